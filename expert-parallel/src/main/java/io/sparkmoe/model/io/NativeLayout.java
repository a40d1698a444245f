package io.sparkmoe.model.io;

import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

import com.fasterxml.jackson.databind.JsonNode;
import org.nd4j.linalg.api.ndarray.INDArray;

/** The native layout: the reference's config fields and tensor names as they are; every model fits. */
final class NativeLayout implements ExportLayout {

    @Override
    public String name() {
        return "native";
    }

    @Override
    public Optional<String> modelType() {
        return Optional.empty();
    }

    @Override
    public Optional<String> misfit(NativeConfig config) {
        return Optional.empty();
    }

    @Override
    public LayoutFiles write(NativeConfig config, Map<String, INDArray> nativeTensors) {
        return new LayoutFiles(config.toJson(), new TreeMap<>(nativeTensors));
    }

    @Override
    public NativeConfig readConfig(JsonNode json, String source) {
        return NativeConfig.fromJson(json, source);
    }

    @Override
    public Optional<String> nativeName(String name) {
        return Optional.of(name);
    }
}
