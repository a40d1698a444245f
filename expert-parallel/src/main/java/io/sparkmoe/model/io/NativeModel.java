package io.sparkmoe.model.io;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.sparkmoe.model.MoeTransformer;
import io.sparkmoe.model.Parameters;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A model directory: {@code config.json}, {@code model.safetensors} (float32) and {@code tokenizer.json}, in the native
 * layout or a public one ({@link ExportLayout}). Loading reads any of them back to the native model.
 *
 * <p>Writes are atomic through {@code java.nio}: every file goes into a hidden temporary directory beside the target,
 * which is then renamed into place, so a reader (the reference, a Hugging Face loader, {@code --model}) sees the whole
 * model or none. java.nio rather than Hadoop's FileSystem because a model directory is read by local tools that take
 * local paths, a run directory is already local, and a directory rename is atomic on a local file system but not on
 * object stores (where Hadoop's rename copies file by file).
 */
public final class NativeModel {

    public static final String CONFIG = "config.json";
    public static final String WEIGHTS = "model.safetensors";
    public static final String WEIGHTS_INDEX = "model.safetensors.index.json";
    public static final String TOKENIZER = "tokenizer.json";

    private NativeModel() {
    }

    /**
     * Saves {@code model} in the native layout with its config as it is (a training capacity included), as training
     * leaves it; {@code tokenizerJson} may be null (no tokenizer.json).
     */
    public static void save(Path dir, MoeTransformer model, NativeConfig config, byte[] tokenizerJson) {
        write(dir, model, config, tokenizerJson, ExportLayout.named("native"));
    }

    /**
     * Writes {@code model} in {@code layout} for use elsewhere: dropless, as MODEL.md runs exports (the public
     * families have no capacity), so the reference and the families' loaders give {@code score}'s logits. A model
     * that does not fit the layout is refused with the reason.
     */
    public static void export(Path dir, MoeTransformer model, NativeConfig config, byte[] tokenizerJson,
                              ExportLayout layout) {
        write(dir, model, config.exported(), tokenizerJson, layout);
    }

    private static void write(Path dir, MoeTransformer model, NativeConfig config, byte[] tokenizerJson,
                              ExportLayout layout) {
        Optional<String> misfit = layout.misfit(config);
        if (misfit.isPresent()) {
            throw new IllegalArgumentException(misfit.get());
        }
        ExportLayout.LayoutFiles files = layout.write(config, tensors(model.parameters()));
        Map<String, byte[]> out = new LinkedHashMap<>();
        out.put(CONFIG, json(files.config()));
        out.put(WEIGHTS, Safetensors.write(files.tensors(), Map.of("format", "pt")));
        if (tokenizerJson != null) {
            out.put(TOKENIZER, tokenizerJson);
        }
        writeDirectory(dir, out);
    }

    /** Every learned tensor and buffer under its native name, as float32. */
    static Map<String, INDArray> tensors(Parameters p) {
        Map<String, INDArray> out = new TreeMap<>();
        for (String n : p.names()) {
            out.put(n, p.value(n).castTo(DataType.FLOAT));
        }
        p.buffers().forEach((n, v) -> out.put(n, v.castTo(DataType.FLOAT)));
        return out;
    }

    /** Reads a model directory in any layout; every error names the file and what was wrong. */
    public static LoadedModel load(Path dir) {
        if (!Files.isDirectory(dir)) {
            throw new ModelFileException(dir + ": no such model directory");
        }
        Path configFile = dir.resolve(CONFIG);
        JsonNode json = readJson(configFile);
        ExportLayout layout = ExportLayout.ofConfig(json, configFile.toString());
        NativeConfig config = layout.readConfig(json, configFile.toString());
        Map<String, Safetensors.Tensor> tensors = nativeTensors(dir, layout, config);
        MoeTransformer model = new MoeTransformer(config.model(), config.droplessRouting(), config.vocabSize(),
                DataType.FLOAT, config.seed());
        fill(model.parameters(), tensors, dir.resolve(WEIGHTS).toString());
        model.setTraining(false);
        Path tok = dir.resolve(TOKENIZER);
        Optional<byte[]> tokenizer = Files.isRegularFile(tok) ? Optional.of(readBytes(tok)) : Optional.empty();
        return new LoadedModel(dir, layout, config, model, tokenizer);
    }

    /** The directory's tensors under native names; a layout's extra tensors (biases) must be zero. */
    private static Map<String, Safetensors.Tensor> nativeTensors(Path dir, ExportLayout layout, NativeConfig config) {
        Map<String, Safetensors.Tensor> out = new LinkedHashMap<>();
        for (Map.Entry<Path, Safetensors.Contents> file : readWeights(dir).entrySet()) {
            for (Map.Entry<String, Safetensors.Tensor> e : file.getValue().tensors().entrySet()) {
                Optional<String> name = layout.nativeName(e.getKey());
                if (name.isEmpty()) {
                    if (Arrays.stream(e.getValue().doubles()).anyMatch(v -> v != 0)) {
                        throw new ModelFileException(file.getKey() + ": tensor '" + e.getKey()
                                + "' is non-zero; biases are not in MODEL.md's model");
                    }
                    continue;
                }
                out.put(name.get(), e.getValue());
            }
        }
        if (config.model().tieEmbeddings() && !layout.name().equals("native")) {
            out.remove(MoeTransformer.LM_HEAD);
        }
        return out;
    }

    /** model.safetensors, or the shards a model.safetensors.index.json lists. */
    private static Map<Path, Safetensors.Contents> readWeights(Path dir) {
        Map<Path, Safetensors.Contents> out = new LinkedHashMap<>();
        Path index = dir.resolve(WEIGHTS_INDEX);
        List<Path> files = new ArrayList<>();
        if (!Files.exists(dir.resolve(WEIGHTS)) && Files.isRegularFile(index)) {
            JsonNode map = readJson(index).path("weight_map");
            if (!map.isObject()) {
                throw new ModelFileException(index + ": no 'weight_map' object");
            }
            TreeSet<String> shards = new TreeSet<>();
            map.fields().forEachRemaining(e -> shards.add(e.getValue().asText()));
            shards.forEach(s -> files.add(dir.resolve(s)));
        } else {
            files.add(dir.resolve(WEIGHTS));
        }
        for (Path f : files) {
            out.put(f, Safetensors.read(readBytes(f), f.toString()));
        }
        return out;
    }

    private static void fill(Parameters p, Map<String, Safetensors.Tensor> tensors, String source) {
        TreeSet<String> expected = new TreeSet<>(p.names());
        expected.addAll(p.buffers().keySet());
        TreeSet<String> missing = new TreeSet<>(expected);
        missing.removeAll(tensors.keySet());
        TreeSet<String> unexpected = new TreeSet<>(tensors.keySet());
        unexpected.removeAll(expected);
        if (!missing.isEmpty() || !unexpected.isEmpty()) {
            throw new ModelFileException(source + ": tensors do not match config.json: missing " + first(missing)
                    + ", unexpected " + first(unexpected));
        }
        for (String name : expected) {
            Safetensors.Tensor t = tensors.get(name);
            long[] want = p.tensor(name).shape();
            if (!Arrays.equals(want, t.shape())) {
                throw new ModelFileException(source + ": tensor '" + name + "' has shape " + Arrays.toString(t.shape())
                        + ", config.json gives " + Arrays.toString(want));
            }
            p.load(name, t.doubles());
        }
    }

    private static String first(TreeSet<String> names) {
        return names.isEmpty() ? "none" : names.stream().limit(4).toList() + (names.size() > 4 ? " and "
                + (names.size() - 4) + " more" : "");
    }

    static JsonNode readJson(Path file) {
        try {
            return NativeConfig.JSON.readTree(readBytes(file));
        } catch (IOException e) {
            throw new ModelFileException(file + ": not valid JSON (" + e.getMessage() + ")", e);
        }
    }

    static byte[] readBytes(Path file) {
        try {
            return Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new ModelFileException(file + ": missing (a model directory holds " + CONFIG + ", " + WEIGHTS
                    + " and " + TOKENIZER + ")", e);
        } catch (IOException e) {
            throw new ModelFileException(file + ": cannot read (" + e.getMessage() + ")", e);
        }
    }

    static byte[] json(JsonNode node) {
        try {
            return NativeConfig.JSON.writer().with(SerializationFeature.INDENT_OUTPUT).writeValueAsString(node)
                    .concat("\n").getBytes(StandardCharsets.UTF_8);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Writes {@code files} into a new directory {@code dir}, whole or not at all: into a hidden temporary directory
     * beside it, then one rename. An existing non-empty {@code dir} is refused rather than mixed with another model.
     */
    public static void writeDirectory(Path dir, Map<String, byte[]> files) {
        Path target = dir.toAbsolutePath().normalize();
        Path tmp = null;
        try {
            if (Files.exists(target) && !isEmptyDirectory(target)) {
                throw new ModelFileException(dir + " already exists and is not empty; remove it or choose another");
            }
            Files.createDirectories(target.getParent());
            tmp = Files.createTempDirectory(target.getParent(), "." + target.getFileName() + ".tmp-");
            for (Map.Entry<String, byte[]> f : files.entrySet()) {
                Files.write(tmp.resolve(f.getKey()), f.getValue());
            }
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
            tmp = null;
        } catch (IOException e) {
            throw new ModelFileException(dir + ": cannot write the model (" + e + ")", e);
        } finally {
            if (tmp != null) {
                deleteQuietly(tmp);
            }
        }
    }

    private static boolean isEmptyDirectory(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return false;
        }
        try (DirectoryStream<Path> s = Files.newDirectoryStream(dir)) {
            return !s.iterator().hasNext();
        }
    }

    private static void deleteQuietly(Path dir) {
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.delete(p);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        } catch (IOException | UncheckedIOException e) {
            // best effort: a hidden temporary directory left behind is harmless
        }
    }
}
