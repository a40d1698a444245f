package io.sparkmoe.conf;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ConfigLoaderTest {

    @TempDir
    Path dir;

    static List<String> presets() {
        return Presets.NAMES;
    }

    @ParameterizedTest
    @MethodSource("presets")
    void everyPresetLoadsAndValidates(String preset) {
        SparkMoeConfig c = ConfigLoader.load(Optional.empty(), List.of("preset=" + preset)).config();
        assertEquals(preset, c.preset());
        assertEquals(0, c.model().hiddenSize() % c.model().heads());
        assertTrue(c.routing().topK() <= c.model().moe().experts());
    }

    @Test
    void presetsDifferInSize() {
        int tiny = ConfigLoader.load(Optional.empty(), List.of("preset=tiny")).config().model().hiddenSize();
        int small = ConfigLoader.load(Optional.empty(), List.of("preset=small")).config().model().hiddenSize();
        int base = ConfigLoader.load(Optional.empty(), List.of("preset=base")).config().model().hiddenSize();
        assertTrue(tiny < small && small < base, tiny + " < " + small + " < " + base);
    }

    @Test
    void fiveMistakesInOneFileAreReportedTogether() throws IOException {
        Path file = write("bad.conf", """
                model {
                  hiden-size = 64
                  layers = "four"
                  heads = 3
                }
                routing.top-k = 8
                train.optimizer.lr = -1
                """);
        InvalidConfigException e = assertThrows(InvalidConfigException.class,
                () -> ConfigLoader.load(Optional.of(file), List.of()));
        String report = e.getMessage();
        assertEquals(5, e.problems().size(), report);
        assertTrue(report.contains("model.hiden-size (" + file + ":2): unknown key; did you mean model.hidden-size?"), report);
        assertTrue(report.contains("model.layers (" + file + ":3): expected an integer, got string"), report);
        assertTrue(report.contains("train.optimizer.lr (" + file + ":7): is -1.0 but must be > 0"), report);
        // tiny's hidden size 64 is not divisible by 3 heads; the rule names both keys and where each came from.
        assertTrue(report.contains("model.hidden-size, model.heads") && report.contains("model.heads from " + file + ":4")
                && report.contains("not divisible by heads (3)"), report);
        assertTrue(report.contains("top-k (8) is greater than the number of experts (4)")
                && report.contains("routing.top-k from " + file + ":6"), report);
        assertTrue(report.startsWith("Invalid configuration: 5 problems"), report);
    }

    @Test
    void unknownKeysGetSuggestionsWhereverTheyAre() {
        InvalidConfigException e = assertThrows(InvalidConfigException.class, () -> ConfigLoader.load(Optional.empty(),
                List.of("model.moe.expert=4", "hidden-size=32", "routing.routr=topk", "modle.layers=2", "zzz=1")));
        Map<String, String> byPath = new java.util.HashMap<>();
        e.problems().forEach(p -> byPath.put(p.path(), p.message()));
        assertEquals("unknown key; did you mean model.moe.experts?", byPath.get("model.moe.expert"));
        assertEquals("unknown key; did you mean model.hidden-size?", byPath.get("hidden-size"));
        assertEquals("unknown key; did you mean routing.router?", byPath.get("routing.routr"));
        assertEquals("unknown key; did you mean model.layers?", byPath.get("modle.layers"));
        assertEquals("unknown key", byPath.get("zzz"));
        assertTrue(e.problems().stream().allMatch(p -> p.origin().startsWith("command line '")), e.getMessage());
    }

    @Test
    void wrongChoiceNamesTheChoicesAndTheNearest() {
        InvalidConfigException e = assertThrows(InvalidConfigException.class,
                () -> ConfigLoader.load(Optional.empty(), List.of("routing.router=sigmiod")));
        String m = e.problems().get(0).message();
        assertTrue(m.contains("expected one of [topk, switch, hash, expert-choice, base, sigmoid, relu, cosine, grap]"), m);
        assertTrue(m.endsWith("did you mean sigmoid?"), m);
    }

    @Test
    void resolvedConfigRoundTripsThroughItsRendering() {
        ResolvedConfig first = ConfigLoader.load(Optional.empty(), List.of("preset=small", "routing.capacity=1.25",
                "routing.aux.z-loss=0.001", "train.optimizer.grad-clip=null", "cluster.master=local[2]",
                "data.input=hdfs://nn:8020/corpus/*.jsonl", "model.moe.layers=[1,3]",
                "data.tokenizer.special-tokens=[\"<|endoftext|>\", \"<|pad|>\", \"<|sep|>\"]",
                "cluster.spark.spark.executor.memory=4g", "run.seed=9007199254740993"));
        String text = first.render();
        ResolvedConfig second = ConfigLoader.parse(text, "written");
        assertEquals(first.config(), second.config());
        assertEquals(text, second.render());
        assertEquals(first.values(), second.values());
        SparkMoeConfig c = second.config();
        assertEquals(new Capacity.Factor(1.25), c.routing().capacity());
        assertEquals(Optional.empty(), c.train().optimizer().gradClip());
        assertEquals(Optional.of("local[2]"), c.cluster().master());
        assertEquals(Optional.of("hdfs://nn:8020/corpus/*.jsonl"), c.data().input());
        assertEquals(Map.of("spark.executor.memory", "4g"), c.cluster().spark());
        assertEquals(9007199254740993L, c.run().seed());
        assertTrue(text.contains("# Peak learning rate"), text);
    }

    @Test
    void unsetIsExplicitAndRequiredKeysCannotBeUnset() {
        SparkMoeConfig c = ConfigLoader.load(Optional.empty(), List.of("routing.aux.load-balance=null")).config();
        assertEquals(Optional.empty(), c.routing().aux().loadBalance());
        SparkMoeConfig zero = ConfigLoader.load(Optional.empty(), List.of("routing.aux.load-balance=0")).config();
        assertEquals(Optional.of(0.0), zero.routing().aux().loadBalance());
        InvalidConfigException e = assertThrows(InvalidConfigException.class,
                () -> ConfigLoader.load(Optional.empty(), List.of("model.layers=null")));
        assertTrue(e.getMessage().contains("model.layers (command line 'model.layers=null'): must be set"), e.getMessage());
    }

    @Test
    void workersSplitTheBatchEvenlyAndRefuseRoutersThatAdjustFromTheWholeBatch() {
        assertEquals(1, ConfigLoader.load(Optional.empty(), List.of()).config().train().workers());
        assertEquals(2, ConfigLoader.load(Optional.empty(), List.of("train.workers=2")).config().train().workers());
        InvalidConfigException e = assertThrows(InvalidConfigException.class, () -> ConfigLoader.load(Optional.empty(),
                List.of("train.workers=3", "train.batch-size=8")));
        assertTrue(e.getMessage().contains("batch-size (8) must be divisible by workers (3)"), e.getMessage());
        InvalidConfigException relu = assertThrows(InvalidConfigException.class, () -> ConfigLoader.load(
                Optional.empty(), List.of("train.workers=2", "routing.router=relu")));
        assertTrue(relu.getMessage().contains("router relu adjusts itself after each step"), relu.getMessage());
        InvalidConfigException sigmoid = assertThrows(InvalidConfigException.class, () -> ConfigLoader.load(
                Optional.empty(), List.of("train.workers=2", "routing.router=sigmoid")));
        assertTrue(sigmoid.getMessage().contains("routing.sigmoid.bias-rate = 0"), sigmoid.getMessage());
        assertEquals(2, ConfigLoader.load(Optional.empty(), List.of("train.workers=2", "routing.router=sigmoid",
                "routing.sigmoid.bias-rate=0")).config().train().workers());
        assertThrows(InvalidConfigException.class, () -> ConfigLoader.load(Optional.empty(), List.of("train.workers=0")));
    }

    @Test
    void checkpointKeysHaveDefaultsAndResumeLatestNeedsARunName() {
        CheckpointConfig c = ConfigLoader.load(Optional.empty(), List.of()).config().train().checkpoint();
        assertEquals(new CheckpointConfig(Optional.empty(), 3, Optional.empty(), CheckpointConfig.NONE), c);
        assertFalse(c.resumes());
        CheckpointConfig set = ConfigLoader.load(Optional.empty(), List.of("train.checkpoint-every=5",
                "train.checkpoint-keep=1", "train.resume=latest", "run.name=x")).config().train().checkpoint();
        assertEquals(new CheckpointConfig(Optional.of(5), 1, Optional.empty(), CheckpointConfig.LATEST), set);
        assertTrue(set.resumes());
        InvalidConfigException e = assertThrows(InvalidConfigException.class,
                () -> ConfigLoader.load(Optional.empty(), List.of("train.resume=latest", "train.checkpoint-keep=0")));
        assertTrue(e.getMessage().contains("set run.name to the run to continue"), e.getMessage());
        assertTrue(e.getMessage().contains("train.checkpoint-keep"), e.getMessage());
    }

    @Test
    void checkpointsGoToTheRunDirectoryUnlessACheckpointDirIsSet() {
        CheckpointConfig unset = ConfigLoader.load(Optional.empty(), List.of()).config().train().checkpoint();
        assertEquals("file:/runs/r1/checkpoints", unset.dirOf("file:/runs/r1/"));
        assertEquals("/runs/r1/checkpoints", unset.dirOf("/runs/r1"));
        CheckpointConfig set = ConfigLoader.load(Optional.empty(),
                List.of("train.checkpoint-dir=\"hdfs://nn:8020/ckpt/r1\"")).config().train().checkpoint();
        assertEquals(Optional.of("hdfs://nn:8020/ckpt/r1"), set.dir());
        assertEquals("hdfs://nn:8020/ckpt/r1", set.dirOf("file:/runs/r1/"));
        InvalidConfigException e = assertThrows(InvalidConfigException.class,
                () -> ConfigLoader.load(Optional.empty(), List.of("train.checkpoint-dir=\"hdfs://nn/ckpt|1\"")));
        assertTrue(e.getMessage().contains("train.checkpoint-dir"), e.getMessage());
    }

    @Test
    void capacityIsNeverAFalsyZero() {
        assertInstanceOf(Capacity.Dropless.class,
                ConfigLoader.load(Optional.empty(), List.of()).config().routing().capacity());
        assertInstanceOf(Capacity.LocMoeMin.class, ConfigLoader.load(Optional.empty(),
                List.of("routing.capacity=locmoe-min")).config().routing().capacity());
        InvalidConfigException e = assertThrows(InvalidConfigException.class,
                () -> ConfigLoader.load(Optional.empty(), List.of("routing.capacity=0")));
        assertTrue(e.getMessage().contains("write dropless for no capacity limit"), e.getMessage());
    }

    @Test
    void crossFieldRulesOfTheRouters() {
        assertProblems(List.of("routing.router=switch", "routing.top-k=2"), "picks one expert per token");
        assertProblems(List.of("routing.router=expert-choice"), "needs a numeric capacity factor");
        assertProblems(List.of("routing.router=grap", "routing.top-k=1", "model.moe.experts=6", "cluster.ranks=1"),
                "must be divisible by experts (6)");
        assertProblems(List.of("routing.group-limit=2", "routing.top-k=1", "routing.router=topk"),
                "must divide top-k (1)");
        assertProblems(List.of("routing.group-limit=1", "routing.router=hash", "routing.top-k=1"),
                "group-limit works with the routers");
        ConfigLoader.load(Optional.empty(), List.of("routing.router=expert-choice", "routing.capacity=1.0"));
    }

    @Test
    void sectionReplacedByAScalarIsReported() {
        assertProblems(List.of("model=3"), "is a section and needs { … } with its keys");
    }

    @Test
    void malformedOverridesAndMissingFilesAreReported() {
        InvalidConfigException e = assertThrows(InvalidConfigException.class,
                () -> ConfigLoader.load(Optional.of(dir.resolve("nope.conf")), List.of("model.layers", "=3")));
        assertEquals(3, e.problems().size(), e.getMessage());
        assertTrue(e.getMessage().contains("no such configuration file"), e.getMessage());
    }

    @Test
    void hoconSyntaxErrorNamesTheLine() throws IOException {
        Path file = write("syntax.conf", "model {\n  layers = 2\n  heads = [\n");
        InvalidConfigException e = assertThrows(InvalidConfigException.class,
                () -> ConfigLoader.load(Optional.of(file), List.of()));
        assertTrue(e.getMessage().contains(file + ":"), e.getMessage());
    }

    @Test
    void overridesBeatTheFileWhichBeatsThePreset() throws IOException {
        Path file = write("mine.conf", "preset = small\nmodel.layers = 3\nmodel.heads = 8\n");
        SparkMoeConfig c = ConfigLoader.load(Optional.of(file), List.of("model.heads=2")).config();
        assertEquals("small", c.preset());
        assertEquals(256, c.model().hiddenSize());
        assertEquals(3, c.model().layers());
        assertEquals(2, c.model().heads());
    }

    @Test
    void moeLayerPlacementFollowsTheReference() {
        ModelConfig every2 = ConfigLoader.load(Optional.empty(),
                List.of("model.layers=6", "model.moe.every=2", "model.moe.first-dense-layers=2")).config().model();
        assertEquals(List.of(false, false, false, true, false, true),
                java.util.stream.IntStream.range(0, 6).mapToObj(every2::isMoeLayer).toList());
        ModelConfig listed = ConfigLoader.load(Optional.empty(), List.of("model.layers=3", "model.moe.layers=[0,2]"))
                .config().model();
        assertEquals(List.of(true, false, true), java.util.stream.IntStream.range(0, 3).mapToObj(listed::isMoeLayer).toList());
    }

    @Test
    void schemaDocumentsEveryKey() {
        List<Key<?>> keys = ConfigLoader.schema();
        assertTrue(keys.size() > 50, "keys: " + keys.size());
        for (Key<?> k : keys) {
            assertFalse(k.doc().isBlank(), k.path());
            assertTrue(k.describe().startsWith(k.path() + " ("), k.describe());
        }
        assertEquals(keys.size(), keys.stream().map(Key::path).distinct().count());
    }

    private void assertProblems(List<String> overrides, String fragment) {
        InvalidConfigException e = assertThrows(InvalidConfigException.class,
                () -> ConfigLoader.load(Optional.empty(), overrides));
        assertTrue(e.getMessage().contains(fragment), e.getMessage());
    }

    private Path write(String name, String text) throws IOException {
        Path file = dir.resolve(name);
        Files.writeString(file, text);
        return file;
    }
}
