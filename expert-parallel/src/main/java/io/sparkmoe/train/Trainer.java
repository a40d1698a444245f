package io.sparkmoe.train;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.sparkmoe.conf.ModelConfig;
import io.sparkmoe.conf.SparkMoeConfig;
import io.sparkmoe.conf.TrainConfig;
import io.sparkmoe.data.DataException;
import io.sparkmoe.data.shards.Manifest;
import io.sparkmoe.data.shards.ShardSet;
import io.sparkmoe.data.shards.WindowReader;
import io.sparkmoe.model.AdamW;
import io.sparkmoe.model.DataParallelWorkers;
import io.sparkmoe.model.LearningRateSchedule;
import io.sparkmoe.model.MoeTransformer;
import io.sparkmoe.train.checkpoint.Checkpoint;
import io.sparkmoe.train.checkpoint.CheckpointException;
import io.sparkmoe.train.checkpoint.CheckpointStore;
import io.sparkmoe.train.checkpoint.CheckpointWriter;
import io.sparkmoe.train.checkpoint.TrainingState;
import org.nd4j.linalg.api.buffer.DataType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The training loop for one JVM with every expert local: random windows of {@code T + 1} tokens from the prepared
 * training shards, forward / backward / clipped AdamW on the warm-up + cosine schedule, the routers' after-step
 * rules, periodic validation, console progress and {@code metrics.jsonl} events. Everything random (init, data
 * order) comes from {@code run.seed}, so a re-run repeats the same losses bit for bit.
 *
 * <p>Validation uses one fixed set of {@code train.eval-batches} windows drawn once, so successive validations
 * measure the model rather than the sample; they run every {@code train.eval-every} steps and after the last.
 *
 * <p>With a {@link CheckpointStore} it checkpoints every {@code train.checkpoint-every} steps and after the last;
 * {@link #resume} restores a checkpoint's tensors, AdamW state and data cursor, after which {@link #run} continues
 * with the next step exactly as the uninterrupted run would have (bit for bit: same windows, same arithmetic).
 */
public final class Trainer {

    private static final Logger LOG = LoggerFactory.getLogger(Trainer.class);
    public static final String TRAIN_SPLIT = "train";
    public static final String VAL_SPLIT = "val";

    private final TrainConfig train;
    private final int seqLen;
    private final DataParallelWorkers workers;
    private final MoeTransformer model;
    private final AdamW optimizer;
    private final LearningRateSchedule schedule;
    private final WindowReader trainWindows;
    private final List<int[][]> valBatches = new ArrayList<>();
    private final CheckpointStore checkpoints;
    private final Map<String, String> fingerprint;
    private final long seed;
    private int completedSteps;

    /** A trainer that writes no checkpoints. */
    public Trainer(SparkMoeConfig config, ShardSet data) {
        this(config, data, null);
    }

    /**
     * Builds the model and loads (and verifies) the shards; fails early if either split holds no window.
     * {@code checkpoints} (may be null: none) receives the checkpoints {@code train.checkpoint-every} asks for.
     */
    public Trainer(SparkMoeConfig config, ShardSet data, CheckpointStore checkpoints) {
        this(config, data.manifest(), data.loadAll(TRAIN_SPLIT, null), data.loadAll(VAL_SPLIT, null), checkpoints);
    }

    /**
     * Trains on the given training and validation shards only (of the prepared data described by {@code manifest}):
     * a decentralized expert passes its own cluster's shards, so it reads nothing else.
     */
    public Trainer(SparkMoeConfig config, Manifest manifest, List<int[]> trainShards, List<int[]> val,
                   CheckpointStore checkpoints) {
        this.train = config.train();
        this.checkpoints = checkpoints;
        this.fingerprint = ConfigFingerprint.of(config, manifest);
        this.seqLen = config.model().seqLen();
        this.seed = config.run().seed();
        int vocab = vocabSize(config.model(), manifest.vocabSize());
        this.workers = new DataParallelWorkers(config.model(), config.routing(), vocab, DataType.FLOAT, seed,
                train.workers());
        this.model = workers.primary();
        this.optimizer = new AdamW(model.parameters(), train.optimizer(), train.steps());
        this.schedule = new LearningRateSchedule(train.optimizer(), train.steps());
        this.trainWindows = new WindowReader(trainShards, seqLen, seed, 0);
        if (val.isEmpty()) {
            throw new DataException("the prepared data has no validation shards; prepare more documents");
        }
        WindowReader valWindows = new WindowReader(val, seqLen, seed + 1, 0);
        for (int i = 0; i < train.evalBatches(); i++) {
            valBatches.add(batch(valWindows));
        }
    }

    /** {@code model.vocab-size} if set (it must match the shards), else the prepared tokenizer's size. */
    public static int vocabSize(ModelConfig model, int prepared) {
        int v = model.vocabSize().orElse(prepared);
        if (v != prepared) {
            throw new IllegalArgumentException("model.vocab-size (" + v + ") differs from the prepared data's vocab_size ("
                    + prepared + "); leave model.vocab-size null to take the tokenizer's");
        }
        return v;
    }

    public MoeTransformer model() {
        return model;
    }

    /** Steps completed so far (those of a resumed checkpoint included). */
    public int completedSteps() {
        return completedSteps;
    }

    /**
     * Continues from {@code checkpoint}: checks that it was written with this configuration and data, then restores
     * the tensors, AdamW's moments and step count, and the data cursor, and writes a {@code recovery} event.
     */
    public void resume(Checkpoint checkpoint, MetricsWriter metrics) {
        long start = System.nanoTime();
        TrainingState state = checkpoint.state();
        String source = checkpoint.dir() + "/state.json";
        ConfigFingerprint.requireSame(state, fingerprint, source);
        if (state.ranks() != 1) {
            throw new CheckpointException(source + ": written by " + state.ranks() + " ranks; the single-JVM trainer"
                    + " resumes checkpoints of one rank");
        }
        if (state.step() >= train.steps()) {
            throw new CheckpointException(source + ": taken after step " + state.step() + " of " + train.steps()
                    + ": nothing left to train");
        }
        checkpoint.restoreModel(0, model.parameters().tensors());
        workers.syncReplicas();
        checkpoint.restoreOptimizer(0, optimizer.state());
        optimizer.resumeAt(state.optimizerSteps());
        trainWindows.seek(state.dataCursors().get(0));
        completedSteps = state.step();
        Map<String, Object> f = new LinkedHashMap<>();
        f.put("from", checkpoint.dir().toString());
        f.put("bytes", checkpoint.bytes());
        f.put("seconds", (System.nanoTime() - start) / 1e9);
        metrics.write("recovery", completedSteps, f);
        LOG.info("resumed from {} after step {}", checkpoint.dir(), completedSteps);
    }

    /** Runs the steps after {@link #completedSteps()} up to {@code train.steps}, writing events to {@code metrics}. */
    public TrainResult run(MetricsWriter metrics) {
        return run(metrics, train.steps());
    }

    /**
     * Runs the steps up to {@code lastStep} (≤ {@code train.steps}) only, leaving everything as a run killed right
     * after that step (and its checkpoint, if it is a checkpoint step) would: tests interrupt runs with it.
     */
    TrainResult run(MetricsWriter metrics, int lastStep) {
        return NativeThreads.forWorkers(workers.workers(), () -> runSteps(metrics, lastStep));
    }

    private TrainResult runSteps(MetricsWriter metrics, int lastStep) {
        int steps = train.steps();
        int firstStep = completedSteps + 1;
        double[] losses = new double[Math.max(0, lastStep - completedSteps)];
        List<TrainResult.Evaluation> evaluations = new ArrayList<>();
        long tokensPerStep = (long) train.batchSize() * seqLen;
        long start = System.nanoTime();
        LOG.info("training {} parameters for steps {} to {} of {} tokens", parameterCount(), firstStep, steps,
                tokensPerStep);
        for (int step = firstStep; step <= lastStep; step++) {
            PhaseTimer timer = new PhaseTimer();
            workers.drainClock();       // drop what validation forwards added since the last step
            int[][] batch = batch(trainWindows);
            timer.lap("data");
            workers.zeroGradients();
            double total = workers.loss(batch);
            double aux = workers.auxLoss();
            timer.lap("forward");
            workers.backward();
            timer.lap("backward");
            double lr = schedule.at(step - 1);
            double gradNorm = workers.step(optimizer);
            workers.afterStep();
            timer.lap("optimizer");
            double loss = total - aux;
            losses[step - firstStep] = loss;
            double tokensPerSecond = tokensPerStep / timer.total();
            Map<String, Double> timing = timer.phases();
            timing.putAll(workers.drainClock());
            metrics.write("step", step, stepFields(loss, aux, lr, gradNorm, step * tokensPerStep,
                    tokensPerSecond, timing));
            if (step % train.logEvery() == 0 || step == steps) {
                for (Map<String, Object> layer : RoutingMetrics.of(workers.routingStatistics())) {
                    metrics.write("routing", step, layer);
                }
                double elapsed = (System.nanoTime() - start) / 1e9;
                int done = step - firstStep + 1;
                LOG.info(String.format("step %d/%d  loss %.4f  aux %.4f  lr %.2e  %.0f tok/s  ETA %s", step, steps,
                        loss, aux, lr, done * tokensPerStep / elapsed, eta(elapsed / done * (steps - step))));
            }
            if (step % train.evalEvery() == 0 || step == steps) {
                TrainResult.Evaluation e = evaluate(step);
                evaluations.add(e);
                metrics.write("eval", step, Map.of("val_loss", e.loss(), "val_ppl", e.perplexity()));
                LOG.info(String.format("eval at step %d  val_loss %.4f  val_ppl %.2f", step, e.loss(), e.perplexity()));
            }
            completedSteps = step;
            if (checkpoints != null && isCheckpointStep(step)) {
                checkpoint(metrics);
            }
        }
        return new TrainResult(firstStep, losses, evaluations, losses.length * tokensPerStep,
                (System.nanoTime() - start) / 1e9);
    }

    /** Every {@code train.checkpoint-every} steps, and after the last. */
    private boolean isCheckpointStep(int step) {
        return step == train.steps() || train.checkpoint().every().map(n -> step % n == 0).orElse(false);
    }

    /** Saves the state after {@link #completedSteps()} as rank 0 of one and writes a {@code checkpoint} event. */
    private void checkpoint(MetricsWriter metrics) {
        CheckpointWriter writer = checkpoints.begin(completedSteps);
        TrainingState state = new TrainingState(completedSteps, optimizer.steps(), List.of(trainWindows.position()),
                seed, fingerprint, metrics.elapsed());
        CheckpointWriter.Saved saved = writer.commit(state,
                writer.writeRank(0, model.parameters().tensors(), optimizer.state()));
        Map<String, Object> f = new LinkedHashMap<>();
        f.put("path", saved.dir().toString());
        f.put("bytes", saved.bytes());
        f.put("files", saved.files());
        f.put("seconds", saved.seconds());
        metrics.write("checkpoint", completedSteps, f);
        LOG.info(String.format("checkpoint %s: %d bytes in %.2f s", saved.dir(), saved.bytes(), saved.seconds()));
    }

    private static Map<String, Object> stepFields(double loss, double aux, double lr, double gradNorm, long tokens,
                                                  double tokensPerSecond, Map<String, Double> timing) {
        Map<String, Object> f = new LinkedHashMap<>();
        f.put("loss", loss);
        f.put("aux_loss", aux);
        f.put("lr", lr);
        f.put("grad_norm", gradNorm);
        f.put("tokens", tokens);
        f.put("tokens_per_s", tokensPerSecond);
        f.put("timing", timing);
        return f;
    }

    /** Mean cross-entropy (auxiliary losses excluded) over the fixed validation batches. */
    private TrainResult.Evaluation evaluate(int step) {
        double sum = 0;
        for (int[][] b : valBatches) {
            sum += workers.loss(b) - workers.auxLoss();
        }
        double loss = sum / valBatches.size();
        return new TrainResult.Evaluation(step, loss, Math.exp(loss));
    }

    private int[][] batch(WindowReader windows) {
        int[][] b = new int[train.batchSize()][];
        for (int i = 0; i < b.length; i++) {
            b[i] = windows.next();
        }
        return b;
    }

    private long parameterCount() {
        return model.parameters().names().stream().mapToLong(n -> model.parameters().value(n).length()).sum();
    }

    static String eta(double seconds) {
        long s = Math.round(seconds);
        return s >= 3600 ? String.format("%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60)
                : String.format("%d:%02d", s / 60, s % 60);
    }
}
