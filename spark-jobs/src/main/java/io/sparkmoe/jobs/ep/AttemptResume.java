package io.sparkmoe.jobs.ep;

import io.sparkmoe.train.checkpoint.CheckpointLayout;

import java.util.Optional;

/**
 * Where the ranks of one attempt of the {@code train-ep} stage start from. The first attempt follows
 * {@code train.resume}. A rerun (attempt above 0) always continues from the newest checkpoint the run committed,
 * even where {@code train.resume} named a fixed checkpoint for the first attempt: resuming from that one again would
 * redo, and log twice, every step the failed attempt had already committed. Only while the run has committed none
 * does a rerun fall back to {@code train.resume}, which is where the failed attempt started too.
 */
final class AttemptResume {

    /**
     * The metrics event a rerun rank writes first: {@code step} is the step it resumes after (0: starting over), with
     * {@code rank}, {@code attempt} and {@code from} (the checkpoint, or {@code none}). The steps that follow replace
     * those the failed attempt had logged after that step; readers keep a step's last record.
     */
    static final String EVENT = "resume";

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

    /** The step a {@code train.resume} value continues after: a checkpoint directory's step, else 0. */
    static int stepOf(String resume) {
        String name = resume.substring(resume.replaceAll("/+$", "").lastIndexOf('/') + 1).replaceAll("/+$", "");
        return CheckpointLayout.stepOf(name).orElse(0);
    }
}
