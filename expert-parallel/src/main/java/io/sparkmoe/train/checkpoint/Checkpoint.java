package io.sparkmoe.train.checkpoint;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

import io.sparkmoe.model.io.Safetensors;
import io.sparkmoe.model.io.SafetensorsException;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A committed checkpoint, opened for resuming. Opening checks the {@code _COMMITTED} marker, that
 * {@code checksums.json} is the one the marker records, and {@code state.json}; each rank's tensor files are
 * checked against their checksums when read, and their tensors against the live model's names, shapes and types
 * before any value is copied. Anything else is refused with an error naming the file and what was expected.
 */
public final class Checkpoint {

    private final FileSystem fs;
    private final Path dir;
    private final Checksums checksums;
    private final TrainingState state;

    private Checkpoint(FileSystem fs, Path dir, Checksums checksums, TrainingState state) {
        this.fs = fs;
        this.dir = dir;
        this.checksums = checksums;
        this.state = state;
    }

    /** Opens {@code dir} (a {@code step-%08d} directory) and verifies its marker, checksums and state. */
    public static Checkpoint open(FileSystem fileSystem, Path dir) {
        FileSystem fs = CheckpointStore.withoutCrcFiles(fileSystem);
        Path marker = new Path(dir, CheckpointLayout.COMMITTED);
        if (!exists(fs, dir)) {
            throw new CheckpointException(dir + ": no such checkpoint directory");
        }
        if (!exists(fs, marker)) {
            throw new CheckpointException(dir + ": no " + CheckpointLayout.COMMITTED + " marker: the checkpoint was never"
                    + " completed (the run stopped while writing it); resume from an earlier one");
        }
        String recorded = new String(readFile(fs, marker), StandardCharsets.UTF_8).trim();
        byte[] checksumsJson = readFile(fs, new Path(dir, CheckpointLayout.CHECKSUMS));
        String actual = Checksums.sha256(checksumsJson);
        if (!actual.equals(recorded)) {
            throw new CheckpointException(new Path(dir, CheckpointLayout.CHECKSUMS) + ": damaged: SHA-256 " + actual
                    + ", but " + CheckpointLayout.COMMITTED + " records " + recorded);
        }
        Checksums checksums = Checksums.parse(checksumsJson, new Path(dir, CheckpointLayout.CHECKSUMS).toString());
        Checkpoint c = new Checkpoint(fs, dir, checksums, null);
        TrainingState state = TrainingState.parse(c.verified(CheckpointLayout.STATE), c.source(CheckpointLayout.STATE));
        List<String> expected = new ArrayList<>(List.of(CheckpointLayout.STATE));
        for (int r = 0; r < state.ranks(); r++) {
            expected.add(CheckpointLayout.modelFile(r));
            expected.add(CheckpointLayout.optimizerFile(r));
        }
        if (!new TreeSet<>(expected).equals(new TreeSet<>(checksums.files().keySet()))) {
            throw new CheckpointException(c.source(CheckpointLayout.CHECKSUMS) + ": lists " + new TreeSet<>(
                    checksums.files().keySet()) + ", a checkpoint of " + state.ranks() + " rank(s) has " + new TreeSet<>(expected));
        }
        return new Checkpoint(fs, dir, checksums, state);
    }

    public Path dir() {
        return dir;
    }

    public TrainingState state() {
        return state;
    }

    /** The size of every file of the checkpoint together. */
    public long bytes() {
        return checksums.totalBytes();
    }

    /** Copies rank {@code rank}'s model tensors (learned and buffers) into {@code live}, after checking them all. */
    public void restoreModel(int rank, Map<String, INDArray> live) {
        restore(CheckpointLayout.modelFile(rank), live);
    }

    /** Copies rank {@code rank}'s optimizer moments into {@code live}, after checking them all. */
    public void restoreOptimizer(int rank, Map<String, INDArray> live) {
        restore(CheckpointLayout.optimizerFile(rank), live);
    }

    /**
     * Reads and verifies one file, then requires exactly the names of {@code live} with their shapes and types, and
     * only then copies the values (a refused file leaves the live arrays untouched).
     */
    private void restore(String file, Map<String, INDArray> live) {
        String source = source(file);
        Safetensors.Contents contents;
        try {
            contents = Safetensors.read(verified(file), source);
        } catch (SafetensorsException e) {
            throw new CheckpointException(e.getMessage(), e);
        }
        TreeSet<String> missing = new TreeSet<>(live.keySet());
        missing.removeAll(contents.tensors().keySet());
        if (!missing.isEmpty()) {
            throw new CheckpointException(source + ": missing tensor(s) " + missing + " that this model has");
        }
        TreeSet<String> unexpected = new TreeSet<>(contents.tensors().keySet());
        unexpected.removeAll(live.keySet());
        if (!unexpected.isEmpty()) {
            throw new CheckpointException(source + ": tensor(s) " + unexpected + " that this model does not have");
        }
        for (Map.Entry<String, INDArray> e : live.entrySet()) {
            Safetensors.Tensor t = contents.tensors().get(e.getKey());
            INDArray target = e.getValue();
            if (!Arrays.equals(t.shape(), target.shape())) {
                throw new CheckpointException(source + ": tensor '" + e.getKey() + "' has shape "
                        + Arrays.toString(t.shape()) + ", this model expects " + Arrays.toString(target.shape()));
            }
            String dtype = target.dataType() == DataType.DOUBLE ? "F64" : "F32";
            if (!t.dtype().equals(dtype)) {
                throw new CheckpointException(source + ": tensor '" + e.getKey() + "' is " + t.dtype()
                        + ", this model expects " + dtype);
            }
        }
        live.forEach((name, target) -> target.assign(contents.tensors().get(name).toArray(target.dataType())));
    }

    private byte[] verified(String file) {
        byte[] bytes = readFile(fs, new Path(dir, file));
        checksums.verify(file, bytes, source(file));
        return bytes;
    }

    private String source(String file) {
        return new Path(dir, file).toString();
    }

    private static boolean exists(FileSystem fs, Path p) {
        try {
            return fs.exists(p);
        } catch (IOException e) {
            throw new CheckpointException(p + ": cannot read (" + e.getMessage() + ")", e);
        }
    }

    private static byte[] readFile(FileSystem fs, Path file) {
        if (!exists(fs, file)) {
            throw new CheckpointException(file + ": missing from the checkpoint");
        }
        try (InputStream in = fs.open(file)) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new CheckpointException(file + ": cannot read (" + e.getMessage() + ")", e);
        }
    }
}
