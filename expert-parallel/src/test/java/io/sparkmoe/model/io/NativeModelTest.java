package io.sparkmoe.model.io;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sparkmoe.conf.Capacity;
import io.sparkmoe.conf.TrainConfig;
import io.sparkmoe.model.MoeTransformer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The native layout's files and fields, and what loading says about a broken model directory. */
class NativeModelTest {

    @TempDir
    Path dir;

    private ExportCases.Case sigmoid() {
        return ExportCases.all().get(5);
    }

    private Path saved(ExportCases.Case c) {
        Path out = dir.resolve("model");
        NativeModel.save(out, c.build(), c.config(), "{\"tokenizer\": 1}".getBytes());
        return out;
    }

    @Test
    void nativeFilesHoldEveryTensorAsFloat32AndTheReferenceFields() throws Exception {
        ExportCases.Case c = sigmoid();
        MoeTransformer model = c.build();
        Path out = dir.resolve("model");
        NativeModel.save(out, model, c.config(), "tok".getBytes());
        try (var files = Files.list(dir)) {
            assertEquals(1, files.count(), "no temporary directory left beside the model");
        }
        assertArrayEquals("tok".getBytes(), Files.readAllBytes(out.resolve(NativeModel.TOKENIZER)));
        Safetensors.Contents w = Safetensors.read(Files.readAllBytes(out.resolve(NativeModel.WEIGHTS)), "w");
        assertTrue(w.tensors().values().stream().allMatch(t -> t.dtype().equals("F32")));
        String bias = "model.layers.0.block_sparse_moe.gate.e_score_correction_bias";
        assertArrayEquals(model.parameters().tensor(bias).toDoubleVector(), w.tensor(bias, "w").doubles(), 0);
        ObjectNode cfg = (ObjectNode) NativeModel.readJson(out.resolve(NativeModel.CONFIG));
        assertEquals("sigmoid", cfg.get("router").asText());
        assertEquals(1.5, cfg.get("routed_scaling_factor").asDouble());
        assertEquals(0.0, cfg.get("capacity_factor").asDouble(), "dropless is 0, never a falsy factor in HOCON");
        assertEquals(2, cfg.get("n_shared_experts").asInt());
        assertEquals(5, cfg.get("shared_intermediate_size").asInt());
        assertTrue(cfg.get("router_z_loss_coef").isNull(), "a switched-off loss is null");
        assertFalse(cfg.has("model_type"), "the native layout has no model_type");
    }

    @Test
    void saveKeepsTheTrainingCapacityAndExportIsDropless() {
        ExportCases.Case c = ExportCases.all().get(0);    // capacity factor 1.25
        NativeModel.save(dir.resolve("saved"), c.build(), c.config(), null);
        assertEquals(new Capacity.Factor(1.25), NativeModel.load(dir.resolve("saved")).config().routing().capacity());
        NativeModel.export(dir.resolve("exported"), c.build(), c.config(), null, ExportLayout.named("native"));
        assertEquals(0.0, NativeModel.readJson(dir.resolve("exported").resolve(NativeModel.CONFIG))
                .get("capacity_factor").asDouble());
    }

    @Test
    void configRoundTripsWithCapacityTrainingAndLayerList() {
        TrainConfig train = io.sparkmoe.conf.ConfigLoader.load(Optional.empty(), java.util.List.of()).config().train();
        NativeConfig base = ExportCases.config(new io.sparkmoe.conf.MoeConfig(4, 6, 1, Optional.of(java.util.List.of(0, 2)),
                0, 1, Optional.empty(), true), ExportCases.routing("relu", 2, false, new Capacity.LocMoeMin(),
                Optional.empty()), true);
        NativeConfig c = new NativeConfig(base.model(), base.routing(), base.vocabSize(), 99,
                Optional.of(NativeConfig.Training.of(train)));
        assertEquals(c, NativeConfig.fromJson(c.toJson(), "mem"));
        NativeConfig factor = ExportCases.all().get(0).config();
        assertEquals(new Capacity.Factor(1.25), NativeConfig.fromJson(factor.toJson(), "mem").routing().capacity());
        ObjectNode referenceOnly = factor.toJson();
        referenceOnly.remove("capacity");
        assertEquals(new Capacity.Factor(1.25), NativeConfig.fromJson(referenceOnly, "mem").routing().capacity(),
                "a config.json written by the reference has capacity_factor only");
    }

    @Test
    void aMissingFileIsNamed() throws Exception {
        Path out = saved(sigmoid());
        Files.delete(out.resolve(NativeModel.WEIGHTS));
        ModelFileException e = assertThrows(ModelFileException.class, () -> NativeModel.load(out));
        assertTrue(e.getMessage().startsWith(out.resolve(NativeModel.WEIGHTS) + ": missing"), e.getMessage());
        ModelFileException none = assertThrows(ModelFileException.class, () -> NativeModel.load(dir.resolve("nope")));
        assertTrue(none.getMessage().contains("nope: no such model directory"), none.getMessage());
    }

    @Test
    void aBadFieldIsNamedWithTheFile() throws Exception {
        Path out = saved(sigmoid());
        ObjectNode cfg = (ObjectNode) NativeModel.readJson(out.resolve(NativeModel.CONFIG));
        cfg.put("router", "magic");
        Files.write(out.resolve(NativeModel.CONFIG), NativeModel.json(cfg));
        ModelFileException e = assertThrows(ModelFileException.class, () -> NativeModel.load(out));
        assertTrue(e.getMessage().contains(NativeModel.CONFIG + ": field 'router' must be one of"), e.getMessage());
        cfg.put("router", "sigmoid");
        cfg.put("hidden_size", "eight");
        Files.write(out.resolve(NativeModel.CONFIG), NativeModel.json(cfg));
        e = assertThrows(ModelFileException.class, () -> NativeModel.load(out));
        assertTrue(e.getMessage().contains("field 'hidden_size' must be an integer, got \"eight\""), e.getMessage());
    }

    @Test
    void tensorsThatDoNotMatchTheConfigAreNamed() throws Exception {
        Path out = saved(sigmoid());
        Path weights = out.resolve(NativeModel.WEIGHTS);
        Map<String, INDArray> t = new TreeMap<>();
        Safetensors.read(Files.readAllBytes(weights), "w").tensors().forEach((n, v) -> t.put(n, v.toArray(DataType.FLOAT)));
        String q = "model.layers.1.self_attn.q_proj.weight";
        t.put(q, Nd4j.zeros(DataType.FLOAT, 8, 4));
        Files.write(weights, Safetensors.write(t, Map.of()));
        ModelFileException e = assertThrows(ModelFileException.class, () -> NativeModel.load(out));
        assertTrue(e.getMessage().contains("tensor '" + q + "' has shape [8, 4], config.json gives [8, 8]"), e.getMessage());
        t.remove(q);
        t.put("model.layers.9.extra", Nd4j.zeros(DataType.FLOAT, 1));
        Files.write(weights, Safetensors.write(t, Map.of()));
        e = assertThrows(ModelFileException.class, () -> NativeModel.load(out));
        assertTrue(e.getMessage().contains("missing [" + q + "], unexpected [model.layers.9.extra]"), e.getMessage());
    }

    @Test
    void aNonZeroBiasInAPublicLayoutIsRefused() throws Exception {
        ExportCases.Case c = ExportCases.all().get(2);
        Path out = dir.resolve("qwen");
        NativeModel.export(out, c.build(), c.config(), null, ExportLayout.named("qwen2-moe"));
        Path weights = out.resolve(NativeModel.WEIGHTS);
        Map<String, INDArray> t = new TreeMap<>();
        Safetensors.read(Files.readAllBytes(weights), "w").tensors().forEach((n, v) -> t.put(n, v.toArray(DataType.FLOAT)));
        t.put("model.layers.0.self_attn.k_proj.bias", Nd4j.ones(DataType.FLOAT, 8));
        Files.write(weights, Safetensors.write(t, Map.of()));
        ModelFileException e = assertThrows(ModelFileException.class, () -> NativeModel.load(out));
        assertTrue(e.getMessage().contains("'model.layers.0.self_attn.k_proj.bias' is non-zero"), e.getMessage());
    }

    @Test
    void anExistingModelIsNotOverwritten() throws Exception {
        Path out = saved(sigmoid());
        byte[] before = Files.readAllBytes(out.resolve(NativeModel.WEIGHTS));
        ExportCases.Case other = ExportCases.all().get(0);
        ModelFileException e = assertThrows(ModelFileException.class,
                () -> NativeModel.save(out, other.build(), other.config(), null));
        assertTrue(e.getMessage().contains("already exists and is not empty"), e.getMessage());
        assertArrayEquals(before, Files.readAllBytes(out.resolve(NativeModel.WEIGHTS)));
        Path empty = Files.createDirectory(dir.resolve("empty"));
        NativeModel.save(empty, other.build(), other.config(), null);
        assertTrue(Files.isRegularFile(empty.resolve(NativeModel.WEIGHTS)), "an empty directory is filled");
    }
}
