package io.sparkmoe.conf;

import java.util.Optional;

import static io.sparkmoe.conf.Key.atLeast;

/**
 * Checkpoints and resume, keys {@code train.checkpoint-every}, {@code train.checkpoint-keep} and
 * {@code train.resume}: how often the training state is saved to {@code <run>/checkpoints/step-%08d/}, how many
 * of those stay, and where a run continues from.
 *
 * @param every  checkpoint every this many steps; empty = only after the last step
 * @param keep   the newest this many committed checkpoints stay; older ones are deleted once a new one commits
 * @param resume {@code none} (start from step 0 in a new run directory), {@code latest} (the newest committed
 *               checkpoint of the run named by {@code run.name}, continuing in its directory) or the path of one
 *               checkpoint directory (continuing in the run directory that holds it)
 */
public record CheckpointConfig(Optional<Integer> every, int keep, String resume) {

    public static final String NONE = "none";
    public static final String LATEST = "latest";

    static final Key<Integer> EVERY = Key.optional("train.checkpoint-every", ValueType.integer(), null,
            "Checkpoint every this many steps; null = only at the end").must(atLeast(1), ">= 1");
    static final Key<Integer> KEEP = Key.required("train.checkpoint-keep", ValueType.integer(), 3,
            "Committed checkpoints kept (the newest); older ones are deleted").must(atLeast(1), ">= 1");
    static final Key<String> RESUME = Key.required("train.resume", ValueType.string(), NONE,
            "Continue from: none, latest (newest checkpoint of run.name) or a checkpoint directory")
            .must(s -> !s.isBlank(), "none, latest or a checkpoint path");

    /** Whether the run continues from a checkpoint. */
    public boolean resumes() {
        return !resume.equals(NONE);
    }

    static CheckpointConfig read(ConfigReader r) {
        return new CheckpointConfig(r.getOptional(EVERY), r.get(KEEP), r.get(RESUME));
    }
}
