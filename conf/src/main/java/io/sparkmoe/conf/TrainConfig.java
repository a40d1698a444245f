package io.sparkmoe.conf;

import static io.sparkmoe.conf.Key.atLeast;

/**
 * Section {@code train}: the training loop.
 *
 * @param steps           optimizer steps
 * @param batchSize       sequences per step, over all ranks together
 * @param evalEvery       validate every this many steps
 * @param evalBatches     validation batches per evaluation
 * @param logEvery        console progress every this many steps
 * @param checkpoint      checkpoints and resume
 * @param optimizer       AdamW and its schedule
 * @param averaging       how replicated parameters stay consistent across ranks
 * @param workers         data-parallel worker threads of the single-JVM trainer, each a model replica that trains
 *                        on {@code batchSize / workers} of a step's sequences with single-threaded native math
 */
public record TrainConfig(int steps, int batchSize, int evalEvery, int evalBatches, int logEvery,
                          CheckpointConfig checkpoint, OptimizerConfig optimizer, AveragingConfig averaging,
                          int workers) {

    static final Key<Integer> STEPS = Key.required("train.steps", ValueType.integer(), 200,
            "Optimizer steps").must(atLeast(1), ">= 1");
    static final Key<Integer> BATCH_SIZE = Key.required("train.batch-size", ValueType.integer(), 8,
            "Sequences per step over all ranks").must(atLeast(1), ">= 1");
    static final Key<Integer> EVAL_EVERY = Key.required("train.eval-every", ValueType.integer(), 50,
            "Validate every this many steps").must(atLeast(1), ">= 1");
    static final Key<Integer> EVAL_BATCHES = Key.required("train.eval-batches", ValueType.integer(), 4,
            "Validation batches per evaluation").must(atLeast(1), ">= 1");
    static final Key<Integer> LOG_EVERY = Key.required("train.log-every", ValueType.integer(), 10,
            "Console progress every this many steps").must(atLeast(1), ">= 1");
    static final Key<Integer> WORKERS = Key.required("train.workers", ValueType.integer(), 1,
            "Data-parallel worker threads of the single-JVM trainer (one per core is fastest); each trains a model"
                    + " replica on batch-size/workers sequences with single-threaded native math")
            .must(atLeast(1), ">= 1");

    static TrainConfig read(ConfigReader r) {
        TrainConfig c = new TrainConfig(r.get(STEPS), r.get(BATCH_SIZE), r.get(EVAL_EVERY), r.get(EVAL_BATCHES),
                r.get(LOG_EVERY), CheckpointConfig.read(r), OptimizerConfig.read(r), AveragingConfig.read(r),
                r.get(WORKERS));
        r.check(c.optimizer.warmupSteps() <= c.steps, "warmup-steps (" + c.optimizer.warmupSteps()
                + ") exceeds steps (" + c.steps + ")", OptimizerConfig.WARMUP_STEPS, STEPS);
        r.check(c.batchSize % c.workers == 0, "batch-size (" + c.batchSize + ") must be divisible by workers ("
                + c.workers + ") so every worker trains on the same number of sequences", BATCH_SIZE, WORKERS);
        return c;
    }
}
