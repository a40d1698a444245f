package io.sparkmoe.train.checkpoint;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;

import io.sparkmoe.data.DataException;
import io.sparkmoe.data.clean.ContentHash;
import io.sparkmoe.data.shards.HadoopFiles;
import io.sparkmoe.model.io.Safetensors;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * One checkpoint being written. Every rank writes its two files into the temporary directory
 * ({@link #writeRank}) and hands the digests to the committing rank, which writes {@code state.json} and
 * {@code checksums.json}, renames the directory to {@code step-%08d} and writes {@code _COMMITTED} last
 * ({@link #commit}): until then no reader sees it, and a crash leaves only a temporary or unmarked directory
 * that {@link CheckpointStore#latest()} ignores. In one JVM both happen in the same process, with rank 0.
 */
public final class CheckpointWriter {

    /** What a commit produced, for the {@code checkpoint} event. */
    public record Saved(Path dir, int step, long bytes, int files, double seconds) {
    }

    private final CheckpointStore store;
    private final int step;
    private final Path temporary;
    private final long started = System.nanoTime();

    CheckpointWriter(CheckpointStore store, int step, Path temporary) {
        this.store = store;
        this.step = step;
        this.temporary = temporary;
    }

    /**
     * Writes {@code model-rank%05d.safetensors} (learned tensors and buffers) and {@code optimizer-rank%05d.safetensors}
     * (AdamW moments) of one rank, tensors under their global names; returns the files' digests.
     */
    public Map<String, Checksums.Digest> writeRank(int rank, Map<String, INDArray> model, Map<String, INDArray> optimizer) {
        Map<String, String> metadata = Map.of("step", Integer.toString(step), "rank", Integer.toString(rank));
        Map<String, Checksums.Digest> digests = new LinkedHashMap<>();
        digests.put(CheckpointLayout.modelFile(rank), writeTensors(CheckpointLayout.modelFile(rank), model, metadata));
        digests.put(CheckpointLayout.optimizerFile(rank),
                writeTensors(CheckpointLayout.optimizerFile(rank), optimizer, metadata));
        return digests;
    }

    /** Streams a safetensors file, hashing it on the way (never the whole file in memory). */
    private Checksums.Digest writeTensors(String name, Map<String, INDArray> tensors, Map<String, String> metadata) {
        Path file = new Path(temporary, name);
        MessageDigest sha = ContentHash.sha256();
        try (FSDataOutputStream raw = store.fileSystem().create(file, false);
             DigestOutputStream out = new DigestOutputStream(new BufferedOutputStream(raw, 1 << 20), sha)) {
            Safetensors.write(tensors, metadata, out);
            out.flush();
            return new Checksums.Digest(HexFormat.of().formatHex(sha.digest()), raw.getPos());
        } catch (IOException e) {
            throw new CheckpointException(file + ": cannot write (" + e.getMessage() + ")", e);
        }
    }

    /**
     * Completes the checkpoint: {@code rankFiles} are the digests of every rank's {@link #writeRank}. Then deletes
     * the checkpoints beyond the newest {@code keep}.
     */
    public Saved commit(TrainingState state, Map<String, Checksums.Digest> rankFiles) {
        if (state.step() != step) {
            throw new IllegalArgumentException("state of step " + state.step() + " committed to the checkpoint of step " + step);
        }
        Map<String, Checksums.Digest> files = new LinkedHashMap<>(rankFiles);
        for (int r = 0; r < state.ranks(); r++) {
            for (String name : new String[]{CheckpointLayout.modelFile(r), CheckpointLayout.optimizerFile(r)}) {
                if (!files.containsKey(name)) {
                    throw new IllegalArgumentException("checkpoint of step " + step + ": no " + name + " from rank " + r);
                }
            }
        }
        files.put(CheckpointLayout.STATE, write(CheckpointLayout.STATE, state.toJson()));
        Checksums checksums = new Checksums(files);
        byte[] checksumsJson = checksums.toJson();
        write(CheckpointLayout.CHECKSUMS, checksumsJson);
        Path dir = new Path(store.dir(), CheckpointLayout.name(step));
        FileSystem fs = store.fileSystem();
        try {
            if (fs.exists(dir)) {
                // Only an unmarked leftover can be here: steps only grow, and a resumed run starts after its checkpoint.
                fs.delete(dir, true);
            }
            if (!fs.rename(temporary, dir)) {
                throw new IOException("rename from " + temporary + " failed");
            }
            HadoopFiles.writeAtomically(fs, new Path(dir, CheckpointLayout.COMMITTED),
                    (Checksums.sha256(checksumsJson) + "\n").getBytes(StandardCharsets.UTF_8));
        } catch (IOException | DataException e) {
            throw new CheckpointException(dir + ": cannot commit the checkpoint (" + e.getMessage() + ")", e);
        }
        store.prune();
        return new Saved(dir, step, checksums.totalBytes() + checksumsJson.length, files.size() + 2,
                (System.nanoTime() - started) / 1e9);
    }

    private Checksums.Digest write(String name, byte[] bytes) {
        Path file = new Path(temporary, name);
        try (FSDataOutputStream out = store.fileSystem().create(file, false)) {
            out.write(bytes);
        } catch (IOException e) {
            throw new CheckpointException(file + ": cannot write (" + e.getMessage() + ")", e);
        }
        return Checksums.Digest.of(bytes);
    }
}
