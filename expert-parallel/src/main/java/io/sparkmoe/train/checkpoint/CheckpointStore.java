package io.sparkmoe.train.checkpoint;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;

import io.sparkmoe.conf.CheckpointConfig;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.ChecksumFileSystem;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * A run's {@code checkpoints/} directory on any Hadoop file system (local paths, {@code hdfs://}, object stores):
 * starts checkpoints ({@link #begin}), finds the newest committed one ({@link #latest()}) and keeps the newest
 * {@code keep}. A checkpoint counts only once its {@code _COMMITTED} marker exists; temporary and unmarked
 * directories (what a crash while writing leaves) are ignored, and removed when a later checkpoint commits.
 */
public final class CheckpointStore {

    private final FileSystem fs;
    private final Path dir;
    private final int keep;

    public CheckpointStore(FileSystem fs, Path dir, int keep) {
        if (keep < 1) {
            throw new IllegalArgumentException("keep " + keep + " checkpoints: must be >= 1");
        }
        this.fs = withoutCrcFiles(fs);
        this.dir = dir;
        this.keep = keep;
    }

    /** The store of a run directory ({@code <runDir>/checkpoints}, any Hadoop path). */
    public static CheckpointStore ofRun(Configuration conf, String runDir, int keep) {
        return at(conf, new Path(runDir, CheckpointLayout.DIR), keep);
    }

    /**
     * The store a run's checkpoints go to as its configuration says: {@code train.checkpoint-dir} (any Hadoop URI)
     * if set, otherwise {@code <runDir>/checkpoints}.
     */
    public static CheckpointStore of(Configuration conf, CheckpointConfig config, String runDir) {
        return at(conf, new Path(config.dirOf(runDir)), config.keep());
    }

    private static CheckpointStore at(Configuration conf, Path dir, int keep) {
        try {
            return new CheckpointStore(dir.getFileSystem(conf), dir, keep);
        } catch (IOException e) {
            throw new CheckpointException(dir + ": no file system for it (" + e.getMessage() + ")", e);
        }
    }

    public Path dir() {
        return dir;
    }

    /** Hadoop's local file system writes a {@code .crc} file beside each file; our checksums make those redundant. */
    static FileSystem withoutCrcFiles(FileSystem fs) {
        return fs instanceof ChecksumFileSystem checked ? checked.getRawFileSystem() : fs;
    }

    FileSystem fileSystem() {
        return fs;
    }

    /** Starts the checkpoint of {@code step} in a fresh temporary directory (a leftover of a crash is replaced). */
    public CheckpointWriter begin(int step) {
        Path temporary = new Path(dir, CheckpointLayout.temporaryName(step));
        try {
            if (fs.exists(temporary)) {
                fs.delete(temporary, true);
            }
            if (!fs.mkdirs(temporary)) {
                throw new IOException("mkdirs failed");
            }
        } catch (IOException e) {
            throw new CheckpointException(temporary + ": cannot create (" + e.getMessage() + ")", e);
        }
        return new CheckpointWriter(this, step, temporary);
    }

    /**
     * The writer of the checkpoint of {@code step} that the committing rank {@link #begin began}: for ranks in other
     * JVMs, which write their files into the same temporary directory and send their digests to the committing rank.
     */
    public CheckpointWriter join(int step) {
        Path temporary = new Path(dir, CheckpointLayout.temporaryName(step));
        try {
            if (!fs.getFileStatus(temporary).isDirectory()) {
                throw new IOException("not a directory");
            }
        } catch (IOException e) {
            throw new CheckpointException(temporary + ": no checkpoint of step " + step + " begun (" + e.getMessage()
                    + ")", e);
        }
        return new CheckpointWriter(this, step, temporary);
    }

    /** The newest committed checkpoint, if any. */
    public Optional<Path> latest() {
        List<Path> committed = committed();
        return committed.isEmpty() ? Optional.empty() : Optional.of(committed.get(committed.size() - 1));
    }

    /** The newest committed checkpoint of a run directory, if any. */
    public static Optional<Path> latest(FileSystem fs, Path runDir) {
        return new CheckpointStore(fs, new Path(runDir, CheckpointLayout.DIR), 1).latest();
    }

    /** Opens and verifies a checkpoint directory (see {@link Checkpoint#open}). */
    public Checkpoint open(Path checkpoint) {
        return Checkpoint.open(fs, checkpoint);
    }

    /** Committed checkpoints, oldest first. */
    public List<Path> committed() {
        List<Path> out = new ArrayList<>();
        for (FileStatus s : list()) {
            if (s.isDirectory() && CheckpointLayout.stepOf(s.getPath().getName()).isPresent() && isCommitted(s.getPath())) {
                out.add(s.getPath());
            }
        }
        out.sort(Comparator.comparingInt(p -> CheckpointLayout.stepOf(p.getName()).getAsInt()));
        return out;
    }

    /**
     * Deletes committed checkpoints beyond the newest {@code keep}, and temporary or unmarked directories older than
     * the newest committed one (left by crashes: nothing will complete them).
     */
    void prune() {
        List<Path> committed = committed();
        if (committed.isEmpty()) {
            return;
        }
        int newest = CheckpointLayout.stepOf(committed.get(committed.size() - 1).getName()).getAsInt();
        List<Path> doomed = new ArrayList<>(committed.subList(0, Math.max(0, committed.size() - keep)));
        for (FileStatus s : list()) {
            String name = s.getPath().getName();
            OptionalInt step = CheckpointLayout.stepOf(name).isPresent() ? CheckpointLayout.stepOf(name)
                    : CheckpointLayout.temporaryStepOf(name);
            if (s.isDirectory() && step.isPresent() && step.getAsInt() < newest && !committed.contains(s.getPath())) {
                doomed.add(s.getPath());
            }
        }
        for (Path p : doomed) {
            try {
                fs.delete(p, true);
            } catch (IOException e) {
                throw new CheckpointException(p + ": cannot delete an old checkpoint (" + e.getMessage() + ")", e);
            }
        }
    }

    private boolean isCommitted(Path checkpoint) {
        try {
            return fs.exists(new Path(checkpoint, CheckpointLayout.COMMITTED));
        } catch (IOException e) {
            throw new CheckpointException(checkpoint + ": cannot read (" + e.getMessage() + ")", e);
        }
    }

    private FileStatus[] list() {
        try {
            return fs.listStatus(dir);
        } catch (FileNotFoundException e) {
            return new FileStatus[0];
        } catch (IOException e) {
            throw new CheckpointException(dir + ": cannot list (" + e.getMessage() + ")", e);
        }
    }
}
