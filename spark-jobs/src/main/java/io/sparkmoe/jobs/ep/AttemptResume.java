package io.sparkmoe.jobs.ep;

import java.util.Optional;

/**
 * Where the ranks of one attempt of the {@code train-ep} stage start from. The first attempt follows
 * {@code train.resume}. A rerun (attempt above 0) always continues from the newest checkpoint the run committed,
 * even where {@code train.resume} named a fixed checkpoint for the first attempt: resuming from that one again would
 * redo, and log twice, every step the failed attempt had already committed. Only while the run has committed none
 * does a rerun fall back to {@code train.resume}, which is where the failed attempt started too.
 */
final class AttemptResume {

    private AttemptResume() {
    }

    /**
     * The {@code train.resume} value for an attempt.
     *
     * @param attempt         the stage attempt, 0 for the first
     * @param configured      the run's {@code train.resume}
     * @param newestCommitted the newest committed checkpoint in the run's checkpoint directory, if any
     */
    static String resumeFor(int attempt, String configured, Optional<String> newestCommitted) {
        if (attempt == 0) {
            return configured;
        }
        return newestCommitted.orElse(configured);
    }
}
