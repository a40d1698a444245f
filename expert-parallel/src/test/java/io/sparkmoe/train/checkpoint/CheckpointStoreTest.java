package io.sparkmoe.train.checkpoint;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
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

/**
 * The checkpoint format on the local file system with hand-made tensors: what is written reads back exactly, only
 * committed checkpoints count, old ones are pruned, and every kind of damage is refused naming the file.
 */
class CheckpointStoreTest {

    @TempDir
    Path dir;

    private static Map<String, INDArray> model(double shift) {
        Map<String, INDArray> m = new LinkedHashMap<>();
        m.put("model.layers.0.w.weight", Nd4j.linspace(1, 6, 6, DataType.FLOAT).reshape(2, 3).addi(shift));
        m.put("model.norm.weight", Nd4j.create(new float[]{0.5f, 1.5f, -2f, 1e-7f}, new long[]{4}));
        m.put("model.layers.0.gate.l1_lambda", Nd4j.scalar(DataType.DOUBLE, 0.01 + shift));
        return m;
    }

    private static Map<String, INDArray> optimizer() {
        Map<String, INDArray> m = new LinkedHashMap<>();
        m.put("model.norm.weight.exp_avg", Nd4j.create(new float[]{1e-3f, 2e-3f, 3e-3f, 4e-3f}, new long[]{4}));
        m.put("model.norm.weight.exp_avg_sq", Nd4j.create(new float[]{1e-6f, 2e-6f, 3e-6f, 4e-6f}, new long[]{4}));
        return m;
    }

    private static TrainingState state(int step) {
        return new TrainingState(step, step, List.of(4L * step), 7, Map.of("model", "abc", "seed", "7"), 1.5 * step);
    }

    private CheckpointStore store(int keep) throws IOException {
        return new CheckpointStore(FileSystem.getLocal(new Configuration()),
                new org.apache.hadoop.fs.Path(dir.resolve("run").resolve("checkpoints").toUri()), keep);
    }

    private static CheckpointWriter.Saved save(CheckpointStore store, int step) {
        CheckpointWriter w = store.begin(step);
        return w.commit(state(step), w.writeRank(0, model(step), optimizer()));
    }

    private Path checkpoints() {
        return dir.resolve("run").resolve("checkpoints");
    }

    private List<String> names() throws IOException {
        try (Stream<Path> s = Files.list(checkpoints())) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void whatIsSavedReadsBackExactly() throws IOException {
        CheckpointStore store = store(3);
        CheckpointWriter.Saved saved = save(store, 5);
        assertEquals("step-00000005", saved.dir().getName());
        assertEquals(5, saved.files());
        Path written = checkpoints().resolve("step-00000005");
        try (Stream<Path> files = Files.list(written)) {
            assertEquals(List.of("_COMMITTED", "checksums.json", "model-rank00000.safetensors",
                    "optimizer-rank00000.safetensors", "state.json"), files.map(p -> p.getFileName().toString()).sorted().toList());
        }
        Checkpoint c = store.open(store.latest().orElseThrow());
        assertEquals(state(5), c.state());
        Map<String, INDArray> live = model(100);
        Map<String, INDArray> moments = optimizer();
        moments.values().forEach(a -> a.assign(0));
        c.restoreModel(0, live);
        c.restoreOptimizer(0, moments);
        for (Map.Entry<String, INDArray> e : model(5).entrySet()) {
            assertArrayEquals(e.getValue().data().asDouble(), live.get(e.getKey()).data().asDouble(), e.getKey());
            assertEquals(e.getValue().dataType(), live.get(e.getKey()).dataType());
        }
        for (Map.Entry<String, INDArray> e : optimizer().entrySet()) {
            assertArrayEquals(e.getValue().data().asFloat(), moments.get(e.getKey()).data().asFloat(), e.getKey());
        }
        assertTrue(c.bytes() > 0 && saved.bytes() > c.bytes(), "the sizes count every file");
    }

    @Test
    void ranksWriteTheirOwnFilesAndOneCommitsThemAll() throws IOException {
        CheckpointStore store = store(3);
        assertThrows(CheckpointException.class, () -> store.join(7), "nothing begun yet");
        CheckpointWriter first = store.begin(7);
        CheckpointWriter second = store.join(7);   // what a rank in another JVM does
        Map<String, Checksums.Digest> digests = new LinkedHashMap<>(first.writeRank(0, model(0), optimizer()));
        Map<String, Checksums.Digest> fromRank1 = second.writeRank(1, model(1), optimizer());
        TrainingState twoRanks = new TrainingState(7, 7, List.of(28L, 29L), 7, Map.of(), 0);
        assertThrows(IllegalArgumentException.class, () -> first.commit(twoRanks, digests), "rank 1's files are missing");
        digests.putAll(fromRank1);
        first.commit(twoRanks, digests);
        Checkpoint c = store.open(store.latest().orElseThrow());
        assertEquals(2, c.state().ranks());
        Map<String, INDArray> live = model(50);
        c.restoreModel(1, live);
        assertArrayEquals(model(1).get("model.layers.0.w.weight").data().asFloat(),
                live.get("model.layers.0.w.weight").data().asFloat());
    }

    @Test
    void onlyCommittedCheckpointsCountAndOldOnesArePruned() throws IOException {
        CheckpointStore store = store(2);
        assertTrue(store.latest().isEmpty(), "no checkpoints yet");
        save(store, 1);
        // What a crash leaves: a half-written temporary directory, and a renamed one whose marker was never written.
        Files.createDirectories(checkpoints().resolve("_tmp-step-00000002"));
        Files.writeString(checkpoints().resolve("_tmp-step-00000002").resolve("model-rank00000.safetensors"), "half");
        Path unmarked = Files.createDirectories(checkpoints().resolve("step-00000003"));
        Files.copy(checkpoints().resolve("step-00000001").resolve("state.json"), unmarked.resolve("state.json"));
        assertEquals("step-00000001", store.latest().orElseThrow().getName(), "temporary and unmarked are ignored");
        assertEquals("step-00000001", CheckpointStore.latest(FileSystem.getLocal(new Configuration()),
                new org.apache.hadoop.fs.Path(dir.resolve("run").toUri())).orElseThrow().getName());
        CheckpointException e = assertThrows(CheckpointException.class, () -> store.open(
                new org.apache.hadoop.fs.Path(unmarked.toString())));
        assertTrue(e.getMessage().contains("step-00000003: no _COMMITTED marker"), e.getMessage());

        save(store, 4);
        assertEquals(List.of("step-00000001", "step-00000004"), names(), "crash leftovers go once a later one commits");
        save(store, 6);
        assertEquals(List.of("step-00000004", "step-00000006"), names(), "the newest two are kept");
        assertEquals("step-00000006", store.latest().orElseThrow().getName());
    }

    @Test
    void aFlippedByteInAnyFileIsRefusedNamingTheFile() throws IOException {
        CheckpointStore store = store(5);
        Path good = checkpoints().resolve(save(store, 2).dir().getName());
        for (String file : List.of("model-rank00000.safetensors", "optimizer-rank00000.safetensors", "state.json",
                "checksums.json", "_COMMITTED")) {
            Path copy = Files.createDirectories(dir.resolve("damaged-" + file).resolve("step-00000002"));
            try (Stream<Path> files = Files.list(good)) {
                for (Path f : files.toList()) {
                    Files.copy(f, copy.resolve(f.getFileName()));
                }
            }
            byte[] bytes = Files.readAllBytes(copy.resolve(file));
            bytes[bytes.length / 2] ^= 0x04;
            Files.write(copy.resolve(file), bytes);
            CheckpointException e = assertThrows(CheckpointException.class, () -> {
                Checkpoint c = store.open(new org.apache.hadoop.fs.Path(copy.toString()));
                c.restoreModel(0, model(0));
                c.restoreOptimizer(0, optimizer());
            }, file);
            assertTrue(e.getMessage().contains(file), file + ": " + e.getMessage());
            assertTrue(e.getMessage().contains("damaged"), file + ": " + e.getMessage());
        }
    }

    @Test
    void aMissingFileIsRefused() throws IOException {
        CheckpointStore store = store(5);
        org.apache.hadoop.fs.Path saved = save(store, 2).dir();
        Files.delete(checkpoints().resolve("step-00000002").resolve("optimizer-rank00000.safetensors"));
        Checkpoint c = store.open(saved);
        CheckpointException e = assertThrows(CheckpointException.class, () -> c.restoreOptimizer(0, optimizer()));
        assertTrue(e.getMessage().endsWith("optimizer-rank00000.safetensors: missing from the checkpoint"), e.getMessage());
        Files.delete(checkpoints().resolve("step-00000002").resolve("state.json"));
        e = assertThrows(CheckpointException.class, () -> store.open(saved));
        assertTrue(e.getMessage().contains("state.json: missing"), e.getMessage());
    }

    @Test
    void tensorsMustMatchTheModelByNameShapeAndType() throws IOException {
        CheckpointStore store = store(5);
        Checkpoint c = store.open(save(store, 3).dir());

        Map<String, INDArray> more = model(0);
        more.put("model.layers.1.w.weight", Nd4j.zeros(DataType.FLOAT, 2, 3));
        CheckpointException e = assertThrows(CheckpointException.class, () -> c.restoreModel(0, more));
        assertTrue(e.getMessage().contains("model-rank00000.safetensors: missing tensor(s) [model.layers.1.w.weight]"),
                e.getMessage());

        Map<String, INDArray> fewer = model(0);
        fewer.remove("model.norm.weight");
        e = assertThrows(CheckpointException.class, () -> c.restoreModel(0, fewer));
        assertTrue(e.getMessage().contains("tensor(s) [model.norm.weight] that this model does not have"), e.getMessage());

        Map<String, INDArray> reshaped = model(0);
        reshaped.put("model.layers.0.w.weight", Nd4j.zeros(DataType.FLOAT, 3, 2));
        e = assertThrows(CheckpointException.class, () -> c.restoreModel(0, reshaped));
        assertTrue(e.getMessage().contains("tensor 'model.layers.0.w.weight' has shape [2, 3], this model expects [3, 2]"),
                e.getMessage());

        Map<String, INDArray> retyped = model(0);
        retyped.put("model.norm.weight", Nd4j.zeros(DataType.DOUBLE, 4));
        e = assertThrows(CheckpointException.class, () -> c.restoreModel(0, retyped));
        assertTrue(e.getMessage().contains("tensor 'model.norm.weight' is F32, this model expects F64"), e.getMessage());
        assertFalse(retyped.get("model.layers.0.w.weight").equals(model(3).get("model.layers.0.w.weight")),
                "a refused file changes nothing");
    }
}
