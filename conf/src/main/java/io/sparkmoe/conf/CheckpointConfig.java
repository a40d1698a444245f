package io.sparkmoe.conf;

import java.util.Optional;

import static io.sparkmoe.conf.Key.atLeast;

/**
 * Checkpoints and resume, keys {@code train.checkpoint-every}, {@code train.checkpoint-keep},
 * {@code train.checkpoint-dir} and {@code train.resume}: how often the training state is saved to
 * {@code <checkpoint dir>/step-%08d/}, how many of those stay, where they go, and where a run continues from.
 *
 * @param every  checkpoint every this many steps; empty = only after the last step
 * @param keep   the newest this many committed checkpoints stay; older ones are deleted once a new one commits
 * @param dir    the directory of the checkpoints, any Hadoop URI ({@code hdfs://…}, a local path); empty = the run
 *               directory's {@code checkpoints/}
 * @param resume {@code none} (start from step 0 in a new run directory), {@code latest} (the newest committed
 *               checkpoint of the run named by {@code run.name}, continuing in its directory) or the path of one
 *               checkpoint directory (continuing in the run directory that holds it)
 */
public record CheckpointConfig(Optional<Integer> every, int keep, Optional<String> dir, String resume) {

    public static final String NONE = "none";
    public static final String LATEST = "latest";
    /** The name of a run directory's checkpoint directory (where checkpoints go unless {@code train.checkpoint-dir}). */
    public static final String CHECKPOINTS = "checkpoints";

    static final Key<Integer> EVERY = Key.optional("train.checkpoint-every", ValueType.integer(), null,
            "Checkpoint every this many steps; null = only at the end").must(atLeast(1), ">= 1");
    static final Key<Integer> KEEP = Key.required("train.checkpoint-keep", ValueType.integer(), 3,
            "Committed checkpoints kept (the newest); older ones are deleted").must(atLeast(1), ">= 1");
    static final Key<String> DIR = Key.optional("train.checkpoint-dir", ValueType.string(), null,
            "Where checkpoints go, any Hadoop URI (hdfs://...); null = the run directory's checkpoints/")
            .must(CheckpointConfig::isUri, "a path or URI such as hdfs://namenode:8020/checkpoints/run-1");
    static final Key<String> RESUME = Key.required("train.resume", ValueType.string(), NONE,
            "Continue from: none, latest (newest checkpoint of run.name) or a checkpoint directory")
            .must(s -> !s.isBlank(), "none, latest or a checkpoint path");

    /** Whether the run continues from a checkpoint. */
    public boolean resumes() {
        return !resume.equals(NONE);
    }

    /**
     * The checkpoint directory of a run: {@code train.checkpoint-dir} if set, otherwise {@code <runDir>/checkpoints}
     * ({@code runDir} as a URI or path string).
     */
    public String dirOf(String runDir) {
        return dir.orElseGet(() -> (runDir.endsWith("/") ? runDir : runDir + "/") + CHECKPOINTS);
    }

    private static boolean isUri(String s) {
        if (s.isBlank()) {
            return false;
        }
        try {
            new java.net.URI(s.replace(" ", "%20"));
            return true;
        } catch (java.net.URISyntaxException e) {
            return false;
        }
    }

    static CheckpointConfig read(ConfigReader r) {
        return new CheckpointConfig(r.getOptional(EVERY), r.get(KEEP), r.getOptional(DIR), r.get(RESUME));
    }
}
