package io.sparkmoe.jobs.decentralized;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.sparkmoe.conf.SparkMoeConfig;
import io.sparkmoe.data.bpe.Tokenizer;
import io.sparkmoe.data.bpe.TokenizerJson;
import io.sparkmoe.data.features.CentroidRouter;
import io.sparkmoe.data.features.FeatureModel;
import io.sparkmoe.data.shards.HadoopFiles;
import io.sparkmoe.inference.EnsembleEvaluation;
import io.sparkmoe.inference.LearnedRouter;
import io.sparkmoe.jobs.train.TrainCommand;
import io.sparkmoe.model.MoeTransformer;
import io.sparkmoe.model.io.ExportLayout;
import io.sparkmoe.model.io.LoadedModel;
import io.sparkmoe.model.io.ModelFileException;
import io.sparkmoe.model.io.NativeModel;
import org.apache.hadoop.fs.FileSystem;

/**
 * A decentralized ensemble as inference uses it: the experts, their shared tokenizer, and the routers that weigh
 * them from a sequence's prefix — the learned one ({@code <run>/router/}, written by {@code train-router}) and the
 * centroid one ({@code centroids.json} with {@code router.temperature}). It loads from a {@code train-decentralized}
 * run directory (centroids from {@code data.output/clusters}) or from what {@link #export} wrote: a directory whose
 * {@code ensemble.json} manifest ({@code "format": "sparkmoe-ensemble"}) names {@code experts/expert-NNN/} (each a
 * model directory in a public layout), {@code router/} and {@code centroids.json}, so that it needs nothing else.
 */
public final class Ensemble {

    public static final String MANIFEST = "ensemble.json";
    public static final String FORMAT = "sparkmoe-ensemble";
    public static final String ROUTER_DIR = "router";
    public static final String CENTROIDS = "centroids.json";
    /** Router names for {@link #router(String)}. */
    public static final List<String> ROUTERS = List.of("auto", "learned", "centroid");

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path dir;
    private final List<LoadedModel> experts;
    private final byte[] tokenizerJson;
    private final Tokenizer tokenizer;
    private final Optional<Path> learnedDir;
    private final Optional<byte[]> centroids;
    private final String centroidsSource;
    private final int prefixTokens;
    private final double temperature;

    private Ensemble(Path dir, List<LoadedModel> experts, Optional<Path> learnedDir, Optional<byte[]> centroids,
                     String centroidsSource, int prefixTokens, double temperature) {
        this.dir = dir;
        this.experts = experts;
        this.learnedDir = learnedDir;
        this.centroids = centroids;
        this.centroidsSource = centroidsSource;
        this.prefixTokens = prefixTokens;
        this.temperature = temperature;
        Path first = experts.get(0).dir().resolve(NativeModel.TOKENIZER);
        this.tokenizerJson = experts.get(0).tokenizer().orElseThrow(() -> new ModelFileException(first
                + ": missing; the ensemble needs the tokenizer its experts were trained with"));
        this.tokenizer = TokenizerJson.read(tokenizerJson, first.toString());
        for (LoadedModel m : experts) {
            if (!m.tokenizer().map(t -> Arrays.equals(t, tokenizerJson)).orElse(false)) {
                throw new ModelFileException(m.dir().resolve(NativeModel.TOKENIZER) + ": missing or differs from " + first);
            }
            if (m.config().vocabSize() != tokenizer.vocabSize()) {
                throw new ModelFileException(m.dir().resolve(NativeModel.CONFIG) + ": vocab_size " + m.config().vocabSize()
                        + ", the tokenizer has " + tokenizer.vocabSize());
            }
        }
    }

    /** A run directory or an exported ensemble (told apart by the manifest's {@code format}). */
    public static Ensemble load(SparkMoeConfig config, Path dir) throws IOException {
        Path manifest = dir.resolve(MANIFEST);
        if (Files.isRegularFile(manifest)) {
            JsonNode json = JSON.readTree(manifest.toFile());
            if (FORMAT.equals(json.path("format").asText())) {
                return fromExport(dir, json);
            }
        }
        return fromRun(config, dir);
    }

    /**
     * The experts of a {@code train-decentralized} run ({@code data.clusters.count} of them, or as many as it has
     * when that is not set), its learned router if {@code train-router} wrote one, and the centroids of
     * {@code data.output/clusters} if they are there.
     */
    public static Ensemble fromRun(SparkMoeConfig config, Path run) throws IOException {
        int k = config.data().clusters().count().orElse(expertDirectories(run));
        if (k == 0) {
            throw new FileNotFoundException(run.resolve(ExpertLayout.EXPERTS) + ": no experts; is " + run
                    + " a train-decentralized run?");
        }
        List<LoadedModel> experts = new ArrayList<>();
        for (int j = 0; j < k; j++) {
            if (!ExpertLayout.complete(run, j)) {
                throw new FileNotFoundException(ExpertLayout.dir(run, j) + " is missing or incomplete: run"
                        + " train-decentralized again with run.name of this run to finish it");
            }
            experts.add(NativeModel.load(ExpertLayout.dir(run, j)));
        }
        org.apache.hadoop.fs.Path file = new org.apache.hadoop.fs.Path(TrainDecentralizedCommand.clustersDir(config), CENTROIDS);
        FileSystem fs = file.getFileSystem(TrainCommand.hadoopConf(config.cluster().spark()));
        Optional<byte[]> centroids = fs.exists(file) ? Optional.of(HadoopFiles.readAll(fs, file)) : Optional.empty();
        Path router = run.resolve(ROUTER_DIR);
        return new Ensemble(run, experts, Files.isDirectory(router) ? Optional.of(router) : Optional.empty(), centroids,
                file.toString(), config.data().clusters().router().prefixTokens(),
                config.data().clusters().router().temperature());
    }

    /** How many {@code expert-NNN} directories the run has, when {@code data.clusters.count} does not say. */
    private static int expertDirectories(Path run) throws IOException {
        Path experts = run.resolve(ExpertLayout.EXPERTS);
        if (!Files.isDirectory(experts)) {
            return 0;
        }
        try (var s = Files.list(experts)) {
            return (int) s.filter(p -> p.getFileName().toString().matches("expert-\\d{3}")).count();
        }
    }

    private static Ensemble fromExport(Path dir, JsonNode json) throws IOException {
        Path manifest = dir.resolve(MANIFEST);
        List<LoadedModel> experts = new ArrayList<>();
        for (JsonNode e : json.path("experts")) {
            experts.add(NativeModel.load(dir.resolve(e.asText())));
        }
        if (experts.isEmpty()) {
            throw new ModelFileException(manifest + ": \"experts\" lists no expert directories");
        }
        if (!json.path("prefix_tokens").canConvertToInt() || json.path("prefix_tokens").asInt() < 1
                || !json.path("temperature").isNumber()) {
            throw new ModelFileException(manifest + ": needs \"prefix_tokens\" (>= 1) and \"temperature\" (a number)");
        }
        Optional<Path> router = json.path("router").isTextual() ? Optional.of(dir.resolve(json.path("router").asText()))
                : Optional.empty();
        Path centroidsFile = json.path("centroids").isTextual() ? dir.resolve(json.path("centroids").asText()) : null;
        Optional<byte[]> centroids = centroidsFile == null ? Optional.empty() : Optional.of(Files.readAllBytes(centroidsFile));
        return new Ensemble(dir, experts, router, centroids, String.valueOf(centroidsFile),
                json.path("prefix_tokens").asInt(), json.path("temperature").asDouble());
    }

    public List<LoadedModel> experts() {
        return experts;
    }

    public List<MoeTransformer> models() {
        return experts.stream().map(LoadedModel::model).toList();
    }

    public Tokenizer tokenizer() {
        return tokenizer;
    }

    public byte[] tokenizerJson() {
        return tokenizerJson;
    }

    /** The longest window every expert reads. */
    public int context() {
        return experts.stream().mapToInt(m -> m.config().model().seqLen()).min().orElseThrow();
    }

    public int prefixTokens() {
        return prefixTokens;
    }

    public double temperature() {
        return temperature;
    }

    public boolean hasLearnedRouter() {
        return learnedDir.isPresent();
    }

    /**
     * How many of the router's experts a mode keeps: {@code top1}/{@code top-1}, {@code top2}/{@code top-2} or
     * {@code all} ({@link EnsembleEvaluation#MODES}).
     */
    public static int modeExperts(String mode) {
        String canonical = mode.matches("top\\d+") ? "top-" + mode.substring(3) : mode;
        Integer k = EnsembleEvaluation.MODES.get(canonical);
        if (k == null) {
            throw new IllegalArgumentException("--mode must be top1, top2 or all, got '" + mode + "'");
        }
        return k;
    }

    /** {@code auto} is the learned router when there is one, else the centroid router. */
    public String resolve(String name) {
        if (!ROUTERS.contains(name)) {
            throw new IllegalArgumentException("--router must be one of " + String.join(", ", ROUTERS) + ", got '" + name + "'");
        }
        return name.equals("auto") ? (hasLearnedRouter() ? "learned" : "centroid") : name;
    }

    /** The router called {@code name} ({@link #ROUTERS}); a missing one is an error that says how to make it. */
    public EnsembleEvaluation.SequenceRouter router(String name) {
        String which = resolve(name);
        if (which.equals("learned")) {
            Path router = learnedDir.orElseThrow(() -> new ModelFileException(dir.resolve(ROUTER_DIR)
                    + ": no learned router; run bin/sparkmoe train-router --run " + dir));
            LearnedRouter learned = LearnedRouter.load(router);
            if (learned.shape().experts() != experts.size() || learned.shape().vocab() != tokenizer.vocabSize()) {
                throw new ModelFileException(router.resolve(LearnedRouter.CONFIG) + ": a router for "
                        + learned.shape().experts() + " experts and vocabulary " + learned.shape().vocab() + ", the ensemble has "
                        + experts.size() + " and " + tokenizer.vocabSize());
            }
            if (learned.shape().prefixTokens() != prefixTokens) {
                throw new ModelFileException(router.resolve(LearnedRouter.CONFIG) + ": trained on " + learned.shape().prefixTokens()
                        + "-token prefixes, router.prefix-tokens is " + prefixTokens);
            }
            return learned;
        }
        byte[] bytes = centroids.orElseThrow(() -> new ModelFileException(centroidsSource
                + ": not found; the centroid router needs the centroids.json that prepare wrote with the clusters"));
        FeatureModel features = FeatureModel.parse(bytes, centroidsSource);
        if (features.centroids().length != experts.size()) {
            throw new ModelFileException(centroidsSource + ": " + features.centroids().length + " centroids for "
                    + experts.size() + " experts");
        }
        CentroidRouter router = new CentroidRouter(features, temperature);
        return prefix -> router.weights(tokenizer.encoder().decode(prefix));
    }

    /**
     * Writes the ensemble to {@code out}, whole or not at all (built under a hidden name beside it, then renamed):
     * every expert in the public layout that {@code export --layout auto} picks for it (Llama for dense experts),
     * the learned router's files, the centroids and the {@code ensemble.json} manifest.
     */
    public void export(Path out) throws IOException {
        Path target = out.toAbsolutePath().normalize();
        if (Files.exists(target)) {
            throw new ModelFileException(out + " already exists; remove it or choose another");
        }
        Files.createDirectories(target.getParent());
        Path tmp = Files.createTempDirectory(target.getParent(), "." + target.getFileName() + ".tmp-");
        try {
            List<String> names = new ArrayList<>();
            String layoutName = null;
            for (int j = 0; j < experts.size(); j++) {
                LoadedModel m = experts.get(j);
                ExportLayout layout = ExportLayout.choose("auto", m.config());
                Path expertDir = ExpertLayout.dir(tmp, j);
                NativeModel.export(expertDir, m.model(), m.config(), tokenizerJson, layout);
                names.add(tmp.relativize(expertDir).toString().replace('\\', '/'));
                layoutName = layout.name();
            }
            Map<String, Object> manifest = new LinkedHashMap<>();
            manifest.put("format", FORMAT);
            manifest.put("experts", names);
            manifest.put("layout", layoutName);
            if (learnedDir.isPresent()) {
                Map<String, byte[]> files = new LinkedHashMap<>();
                for (String f : List.of(LearnedRouter.WEIGHTS, LearnedRouter.CONFIG)) {
                    files.put(f, Files.readAllBytes(learnedDir.get().resolve(f)));
                }
                NativeModel.writeDirectory(tmp.resolve(ROUTER_DIR), files);
            }
            manifest.put("router", learnedDir.isPresent() ? ROUTER_DIR : null);
            if (centroids.isPresent()) {
                Files.write(tmp.resolve(CENTROIDS), centroids.get());
            }
            manifest.put("centroids", centroids.isPresent() ? CENTROIDS : null);
            manifest.put("prefix_tokens", prefixTokens);
            manifest.put("temperature", temperature);
            Files.writeString(tmp.resolve(MANIFEST), JSON.writer().with(SerializationFeature.INDENT_OUTPUT)
                    .writeValueAsString(manifest) + "\n", StandardCharsets.UTF_8);
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
            tmp = null;
        } finally {
            if (tmp != null) {
                try (var s = Files.walk(tmp)) {
                    s.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
                }
            }
        }
    }
}
