package io.sparkmoe.jobs.train;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.nio.file.Files;
import java.util.Optional;

import io.sparkmoe.conf.CheckpointConfig;
import io.sparkmoe.conf.SparkMoeConfig;
import io.sparkmoe.train.checkpoint.CheckpointLayout;
import io.sparkmoe.train.checkpoint.CheckpointStore;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;

/**
 * Where {@code train.resume} continues: the run directory to go on writing in and the checkpoint to start from.
 * {@code latest} is the newest committed checkpoint of the run named by {@code run.name}; a path names one checkpoint
 * directory ({@code <run>/checkpoints/step-%08d}), and the run continues in the directory that holds it. With
 * {@code train.checkpoint-dir} set, {@code latest} looks there, a path may be any Hadoop URI, and the run continues
 * in the directory of {@code run.name} either way.
 *
 * @param runDir     the run directory (local, like every run directory of the single-JVM trainer)
 * @param checkpoint the checkpoint directory
 */
record ResumePoint(java.nio.file.Path runDir, Path checkpoint) {

    /** Empty for {@code train.resume = none}; otherwise the resume point, or an error saying why there is none. */
    static Optional<ResumePoint> of(SparkMoeConfig config, Configuration hadoop) throws IOException {
        String resume = config.train().checkpoint().resume();
        if (resume.equals(CheckpointConfig.NONE)) {
            return Optional.empty();
        }
        CheckpointConfig checkpoints = config.train().checkpoint();
        if (resume.equals(CheckpointConfig.LATEST)) {
            java.nio.file.Path runDir = namedRun(config, "train.resume = latest");
            CheckpointStore store = CheckpointStore.of(hadoop, checkpoints, runDir.toUri().toString());
            Path checkpoint = store.latest().orElseThrow(() -> new FileNotFoundException("train.resume = latest: no"
                    + " committed checkpoint in " + store.dir() + "; start the run again without train.resume"));
            return Optional.of(new ResumePoint(runDir, checkpoint));
        }
        if (checkpoints.dir().isPresent()) {
            // With train.checkpoint-dir the checkpoint's location no longer says which run it belongs to.
            return Optional.of(new ResumePoint(namedRun(config, "train.resume = " + resume + " with train.checkpoint-dir"),
                    new Path(resume)));
        }
        Path checkpoint = new Path(resume);
        String scheme = checkpoint.toUri().getScheme();
        if (scheme != null && !scheme.equals("file")) {
            throw new IllegalArgumentException("train.resume = " + resume + ": the single-JVM trainer's run directories"
                    + " are local; give a local checkpoint path");
        }
        java.nio.file.Path dir = java.nio.file.Path.of(checkpoint.toUri().getPath()).toAbsolutePath().normalize();
        java.nio.file.Path parent = dir.getParent();
        if (CheckpointLayout.stepOf(dir.getFileName().toString()).isEmpty() || parent == null
                || !parent.getFileName().toString().equals(CheckpointLayout.DIR) || parent.getParent() == null) {
            throw new IllegalArgumentException("train.resume = " + resume + ": expected a checkpoint directory "
                    + "<run>/" + CheckpointLayout.DIR + "/step-NNNNNNNN");
        }
        java.nio.file.Path runDir = parent.getParent();
        String runName = runDir.getFileName().toString();
        if (config.run().name().map(n -> !n.equals(runName)).orElse(false)) {
            throw new IllegalArgumentException("train.resume = " + resume + " belongs to run " + runName
                    + ", but run.name is " + config.run().name().get() + "; a resumed run continues in its own directory");
        }
        return Optional.of(new ResumePoint(runDir, new Path(dir.toUri())));
    }

    /** The existing directory of the run named by {@code run.name}, which {@code what} continues. */
    private static java.nio.file.Path namedRun(SparkMoeConfig config, String what) throws FileNotFoundException {
        String name = config.run().name().orElseThrow(() -> new IllegalArgumentException(what
                + " continues a named run: set run.name to the run to continue"));
        java.nio.file.Path runDir = java.nio.file.Path.of(config.run().dir()).resolve(name);
        if (!Files.isDirectory(runDir)) {
            throw new FileNotFoundException(what + ": no run directory " + runDir + " (run.dir/run.name) to continue");
        }
        return runDir;
    }
}
