package io.sparkmoe.parallel;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.sparkmoe.conf.SparkMoeConfig;
import io.sparkmoe.conf.TrainConfig;
import io.sparkmoe.data.DataException;
import io.sparkmoe.data.shards.WindowReader;
import io.sparkmoe.exchange.Exchange;
import io.sparkmoe.exchange.Tag;
import io.sparkmoe.exchange.TrafficClass;
import io.sparkmoe.exchange.TrafficCounter;
import io.sparkmoe.model.AdamW;
import io.sparkmoe.model.LearningRateSchedule;
import io.sparkmoe.model.MoeTransformer;
import io.sparkmoe.train.ConfigFingerprint;
import io.sparkmoe.train.MetricsWriter;
import io.sparkmoe.train.RoutingMetrics;
import io.sparkmoe.train.Trainer;
import io.sparkmoe.train.checkpoint.Checkpoint;
import io.sparkmoe.train.checkpoint.CheckpointException;
import io.sparkmoe.train.checkpoint.CheckpointWriter;
import io.sparkmoe.train.checkpoint.TrainingState;
import org.nd4j.linalg.api.buffer.DataType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The training loop of one rank of an expert-parallel run (docs/expert-parallel.md, "The distributed step"). The
 * rank holds its own experts and a replica of everything else; its MoE blocks are {@link DistributedMoeLayer}s.
 *
 * <p>Global batch: every rank reads the windows the single-JVM {@link Trainer} reads for a step (same seed, same
 * reader) and keeps sequences {@code [r·B/N, (r+1)·B/N)}, so N ranks together train on exactly one JVM's batch. Each
 * rank's loss is the mean over its own tokens; the global loss is the mean of the ranks' losses (equal token counts:
 * windows are packed), so every gradient is scaled by 1/N: replicated gradients after their all-reduce (summed in rank
 * order, identical on every rank), expert gradients (which already hold every rank's tokens' contributions) in place.
 * The clip norm is over all parameters: the replicated part plus the all-reduced expert part. AdamW then steps
 * identically on every replica.
 *
 * <p>Auxiliary losses are computed per rank over the rank's tokens and enter as the mean over ranks. The z-loss and
 * the locality loss are per-token means, so that is the whole batch's value; the load-balance loss reads the whole
 * batch's assignment counts (the layer sums them over ranks while routing), so it too equals the one-JVM loss.
 * Capacity is per rank: each rank drops over-capacity pairs among its own tokens, against a capacity computed from
 * its own token count, so runs that drop tokens differ from one JVM (which drops in global token order); dropless
 * runs and runs with ample capacity do not. The sigmoid router's bias update and the ReLU router's L1 rule see the
 * rank's own decision, and the routing statistics in {@code routing} events are the rank's own.
 *
 * <p>{@code train.averaging.mode = periodic}: replicated tensors step on the rank's own gradients, and every
 * {@code train.averaging.every} steps they are averaged (float32 all-reduce / N), after which every rank's replica
 * hash goes through the {@link Coordinator} and an {@code averaging} event records whether they are equal (AdamW's
 * moments stay per rank). In all-reduce mode the hashes are compared at every validation and checkpoint step, and
 * a difference fails the run.
 */
public final class RankTrainer {

    private static final Logger LOG = LoggerFactory.getLogger(RankTrainer.class);
    private static final int NO_PADDING = -1;
    private static final Tag GRADIENTS = Tag.global(Tag.Phase.ALL_REDUCE);

    private final TrainConfig train;
    private final int rank;
    private final int ranks;
    private final Exchange exchange;
    private final Coordinator coordinator;
    private final MetricsWriter metrics;
    private final RankCheckpoints checkpoints;
    private final Map<String, String> fingerprint;
    private final long seed;
    private final int seqLen;
    private final boolean periodic;
    private final String resume;
    private final ExchangeClock exchangeClock = new ExchangeClock();
    private final MoeTransformer model;
    private final Replicas replicas;
    private final AdamW optimizer;
    private final LearningRateSchedule schedule;
    private final WindowReader trainWindows;
    private final List<int[][]> valBatches = new ArrayList<>();
    private int completedSteps;
    private boolean resumeChecked;

    /** Builds this rank's share of the model (same init as one JVM's) and loads the shards. */
    public RankTrainer(SparkMoeConfig config, RankSetup setup) {
        this.train = config.train();
        this.rank = setup.rank();
        this.exchange = setup.exchange();
        this.ranks = exchange.size();
        this.coordinator = setup.coordinator();
        this.metrics = setup.metrics();
        this.checkpoints = setup.checkpoints() == null ? null
                : new RankCheckpoints(rank, setup.checkpoints(), coordinator);
        this.seed = config.run().seed();
        this.seqLen = config.model().seqLen();
        this.periodic = train.averaging().mode().equals("periodic");
        this.resume = train.checkpoint().resume();
        if (config.cluster().ranks() != ranks) {
            throw new IllegalArgumentException("cluster.ranks is " + config.cluster().ranks() + " but the exchange of rank "
                    + rank + " joins " + ranks + " ranks; the configuration was checked for cluster.ranks ranks");
        }
        if (train.batchSize() % ranks != 0) {
            throw new IllegalArgumentException("train.batch-size (" + train.batchSize() + ") must be a multiple of the"
                    + " number of ranks (" + ranks + "): each rank takes an equal share of every batch");
        }
        if (train.workers() != 1) {
            throw new IllegalArgumentException("train.workers is " + train.workers() + ", but it splits the batch of the"
                    + " single-JVM trainer; a rank of an expert-parallel run is one worker (use more ranks per node"
                    + " instead): set train.workers = 1");
        }
        this.fingerprint = ConfigFingerprint.of(config, setup.data().manifest());
        int vocab = Trainer.vocabSize(config.model(), setup.data().manifest().vocabSize());
        ExpertShards shards = ExpertShards.contiguous(config.model().moe().experts(), exchange.topology());
        this.model = new MoeTransformer(config.model(), config.routing(), vocab, DataType.FLOAT, seed,
                new DistributedLayers(exchange, shards, exchangeClock));
        this.replicas = new Replicas(model.parameters());
        this.optimizer = new AdamW(model.parameters(), train.optimizer(), train.steps());
        this.schedule = new LearningRateSchedule(train.optimizer(), train.steps());
        this.trainWindows = new WindowReader(setup.data().loadAll(Trainer.TRAIN_SPLIT, null), seqLen, seed, 0);
        List<int[]> val = setup.data().loadAll(Trainer.VAL_SPLIT, null);
        if (val.isEmpty()) {
            throw new DataException("the prepared data has no validation shards; prepare more documents");
        }
        WindowReader valWindows = new WindowReader(val, seqLen, seed + 1, 0);
        for (int i = 0; i < train.evalBatches(); i++) {
            valBatches.add(batch(valWindows));
        }
    }

    public MoeTransformer model() {
        return model;
    }

    public int rank() {
        return rank;
    }

    /** Steps completed so far (those of a resumed checkpoint included). */
    public int completedSteps() {
        return completedSteps;
    }

    /** The hash of this rank's replicated tensors. */
    public String replicaHash() {
        return replicas.hash();
    }

    /**
     * Resumes from the checkpoint {@code train.resume} names, if any ({@code latest}: the newest committed one in the
     * rank's checkpoint store; the ranks agree on it), then runs the remaining steps up to {@code train.steps}.
     * Collective: every rank of the run calls it.
     */
    public RankResult run() {
        return run(train.steps());
    }

    /** As {@link #run()}, stopping after {@code lastStep} as a run killed right then would: tests interrupt with it. */
    RankResult run(int lastStep) {
        if (!resumeChecked && checkpoints != null) {
            checkpoints.resumePoint(resume).ifPresent(this::resume);
        }
        resumeChecked = true;
        int firstStep = completedSteps + 1;
        double[] losses = new double[Math.max(0, lastStep - completedSteps)];
        Map<TrafficClass, Long> trafficBefore = perClass(exchange.traffic().snapshot());
        double compute = 0;
        double waiting = 0;
        double averaging = 0;
        long tokensPerStep = (long) train.batchSize() * seqLen;
        long start = System.nanoTime();
        for (int step = firstStep; step <= lastStep; step++) {
            long stepStart = System.nanoTime();
            TrafficCounter.Snapshot before = exchange.traffic().snapshot();
            model.clock().drain();
            exchangeClock.drain();
            int[][] batch = share(batch(trainWindows));
            model.parameters().zeroGradients();
            double total = model.loss(batch, NO_PADDING);
            double aux = model.auxLoss();
            model.backward();
            double inModel = exchangeClock.drain();
            double gradNorm = reduceGradients();
            double lr = schedule.at(step - 1);
            optimizer.step(gradNorm);
            model.afterStep();
            double[] sums = exchangeClock.time(() -> Collectives.sum(exchange, total - aux, aux));
            double loss = sums[0] / ranks;
            losses[step - firstStep] = loss;
            double waited = inModel + exchangeClock.drain();
            double averaged = 0;
            if (periodic && step % train.averaging().every() == 0) {
                long a0 = System.nanoTime();
                average(step);
                averaged = (System.nanoTime() - a0) / 1e9;
            }
            double seconds = (System.nanoTime() - stepStart) / 1e9;
            compute += seconds - waited - averaged;
            waiting += waited;
            averaging += averaged;
            if (metrics != null) {
                Map<String, Object> f = new LinkedHashMap<>();
                f.put("rank", rank);
                f.put("loss", loss);
                f.put("aux_loss", sums[1] / ranks);
                f.put("lr", lr);
                f.put("grad_norm", gradNorm);
                f.put("tokens", step * tokensPerStep);
                f.put("tokens_per_s", tokensPerStep / seconds);
                f.put("timing", modelTiming(inModel));
                f.put("breakdown", breakdown(seconds - waited - averaged, waited, averaged));
                TrafficCounter.Snapshot sent = exchange.traffic().snapshot().minus(before);
                f.put("traffic", names(perClass(sent)));
                f.put("traffic_per_layer", perLayer(sent));
                metrics.write("step", step, f);
                if (step % train.logEvery() == 0 || step == train.steps()) {
                    for (Map<String, Object> layer : RoutingMetrics.of(model)) {
                        Map<String, Object> withRank = new LinkedHashMap<>(layer);
                        withRank.put("rank", rank);
                        metrics.write("routing", step, withRank);
                    }
                }
            }
            if (rank == 0 && (step % train.logEvery() == 0 || step == train.steps())) {
                LOG.info(String.format("step %d/%d  loss %.4f  lr %.2e  compute %.3f s  exchange %.3f s", step,
                        train.steps(), loss, lr, seconds - waited - averaged, waited));
            }
            if (step % train.evalEvery() == 0 || step == train.steps()) {
                double valLoss = evaluate();
                if (metrics != null) {
                    metrics.write("eval", step, Map.of("val_loss", valLoss, "val_ppl", Math.exp(valLoss)));
                }
                if (!periodic) {
                    requireEqualReplicas(step);
                }
            }
            completedSteps = step;
            if (checkpoints != null && isCheckpointStep(step)) {
                if (!periodic) {
                    requireEqualReplicas(step);
                }
                checkpoint();
            }
        }
        Map<TrafficClass, Long> traffic = perClass(exchange.traffic().snapshot());
        traffic.replaceAll((c, bytes) -> bytes - trafficBefore.get(c));
        return new RankResult(rank, firstStep, losses, replicas.hash(), traffic,
                breakdown(compute, waiting, averaging), (System.nanoTime() - start) / 1e9);
    }

    /**
     * Makes the gradients those of the global batch's loss (see the class comment) and returns their norm over
     * every rank's parameters.
     */
    private double reduceGradients() {
        float scale = 1f / ranks;
        if (!periodic) {
            float[] summed = exchangeClock.time(() -> exchange.allReduceSum(GRADIENTS, replicas.gradients()));
            replicas.setGradients(summed, scale);
        }
        for (String name : model.parameters().names()) {
            if (!replicas.contains(name)) {
                model.parameters().gradient(name).muli(scale);
            }
        }
        double replicated = optimizer.squaredNorm(replicas::contains);
        double experts = optimizer.squaredNorm(name -> !replicas.contains(name));
        double allExperts = exchangeClock.time(() -> Collectives.sum(exchange, experts))[0];
        return Math.sqrt(replicated + allExperts);
    }

    /** Periodic mode: replicated tensors ← their mean over ranks; then checks and reports that the replicas agree. */
    private void average(int step) {
        long start = System.nanoTime();
        float[] summed = exchange.allReduceSum(GRADIENTS, replicas.values());
        replicas.setValues(summed, 1f / ranks);
        String[] hashes = coordinator.allGather(replicas.hash());
        boolean equal = allEqual(hashes);
        if (metrics != null) {
            Map<String, Object> f = new LinkedHashMap<>();
            f.put("rank", rank);
            f.put("hash", hashes[rank]);
            f.put("equal", equal);
            f.put("seconds", (System.nanoTime() - start) / 1e9);
            metrics.write("averaging", step, f);
        }
        if (!equal) {
            throw new IllegalStateException("rank " + rank + ": replicas differ right after the averaging of step " + step
                    + ": hashes " + String.join(", ", hashes));
        }
    }

    /** All-reduce mode keeps replicas equal by construction; this checks it (a difference is a bug, so it fails). */
    private void requireEqualReplicas(int step) {
        String[] hashes = coordinator.allGather(replicas.hash());
        boolean equal = allEqual(hashes);
        if (metrics != null) {
            metrics.write("replicas", step, Map.of("rank", rank, "hash", hashes[rank], "equal", equal));
        }
        if (!equal) {
            throw new IllegalStateException("rank " + rank + ": replicated tensors differ between ranks after step "
                    + step + " although gradients are all-reduced: hashes " + String.join(", ", hashes));
        }
    }

    private static boolean allEqual(String[] hashes) {
        for (String h : hashes) {
            if (!h.equals(hashes[0])) {
                return false;
            }
        }
        return true;
    }

    /** Mean cross-entropy of the fixed validation batches (each the global batch, shared out as in training). */
    private double evaluate() {
        double sum = 0;
        for (int[][] b : valBatches) {
            double local = model.loss(share(b), NO_PADDING) - model.auxLoss();
            sum += exchangeClock.time(() -> Collectives.sum(exchange, local))[0] / ranks;
        }
        exchangeClock.drain();
        return sum / valBatches.size();
    }

    private boolean isCheckpointStep(int step) {
        return step == train.steps() || train.checkpoint().every().map(n -> step % n == 0).orElse(false);
    }

    private void checkpoint() {
        List<Long> cursors = new ArrayList<>();
        for (int r = 0; r < ranks; r++) {
            cursors.add(trainWindows.position());
        }
        TrainingState state = new TrainingState(completedSteps, optimizer.steps(), cursors, seed, fingerprint,
                metrics == null ? 0 : metrics.elapsed());
        CheckpointWriter.Saved saved = checkpoints.save(state, model.parameters().tensors(), optimizer.state());
        if (metrics != null) {
            Map<String, Object> f = new LinkedHashMap<>();
            f.put("rank", rank);
            f.put("path", saved.dir().toString());
            f.put("bytes", saved.bytes());
            f.put("files", saved.files());
            f.put("seconds", saved.seconds());
            metrics.write("checkpoint", completedSteps, f);
        }
        if (rank == 0) {
            LOG.info(String.format("checkpoint %s: %d bytes in %.2f s", saved.dir(), saved.bytes(), saved.seconds()));
        }
    }

    private void resume(Checkpoint checkpoint) {
        long start = System.nanoTime();
        TrainingState state = checkpoint.state();
        String source = checkpoint.dir() + "/state.json";
        ConfigFingerprint.requireSame(state, fingerprint, source);
        if (state.ranks() != ranks) {
            throw new CheckpointException(source + ": written by " + state.ranks() + " ranks, this run has " + ranks
                    + "; experts are placed per rank, so resume with " + state.ranks() + " ranks");
        }
        if (state.step() >= train.steps()) {
            throw new CheckpointException(source + ": taken after step " + state.step() + " of " + train.steps()
                    + ": nothing left to train");
        }
        checkpoint.restoreModel(rank, model.parameters().tensors());
        checkpoint.restoreOptimizer(rank, optimizer.state());
        optimizer.resumeAt(state.optimizerSteps());
        trainWindows.seek(state.dataCursors().get(rank));
        completedSteps = state.step();
        if (metrics != null) {
            Map<String, Object> f = new LinkedHashMap<>();
            f.put("rank", rank);
            f.put("from", checkpoint.dir().toString());
            f.put("bytes", checkpoint.bytes());
            f.put("seconds", (System.nanoTime() - start) / 1e9);
            metrics.write("recovery", completedSteps, f);
        }
    }

    /** This rank's sequences of a global batch: rows [r·B/N, (r+1)·B/N). */
    private int[][] share(int[][] global) {
        int per = global.length / ranks;
        int[][] mine = new int[per][];
        System.arraycopy(global, rank * per, mine, 0, per);
        return mine;
    }

    private int[][] batch(WindowReader windows) {
        int[][] b = new int[train.batchSize()][];
        for (int i = 0; i < b.length; i++) {
            b[i] = windows.next();
        }
        return b;
    }

    /**
     * The model clock's phases, with the MoE layers' exchange calls as {@code exchange}: the clock would count them
     * in {@code other} (model time that no named phase covers).
     */
    private Map<String, Double> modelTiming(double exchangeInModel) {
        Map<String, Double> timing = model.clock().drain();
        timing.put("other", Math.max(0, timing.get("other") - exchangeInModel));
        timing.put("exchange", exchangeInModel);
        return timing;
    }

    private static Map<String, Double> breakdown(double compute, double exchangeWait, double averaging) {
        Map<String, Double> b = new LinkedHashMap<>();
        b.put("compute", compute);
        b.put("exchange_wait", exchangeWait);
        b.put("averaging", averaging);
        return b;
    }

    private static Map<TrafficClass, Long> perClass(TrafficCounter.Snapshot snapshot) {
        Map<TrafficClass, Long> out = new EnumMap<>(TrafficClass.class);
        for (TrafficClass c : TrafficClass.values()) {
            out.put(c, snapshot.bytes(c));
        }
        return out;
    }

    private static Map<String, Long> names(Map<TrafficClass, Long> perClass) {
        Map<String, Long> out = new LinkedHashMap<>();
        perClass.forEach((c, bytes) -> out.put(c.name().toLowerCase(java.util.Locale.ROOT), bytes));
        return out;
    }

    /** Bytes per MoE layer and class this step (layer-less calls, such as the gradient all-reduce, under "all"). */
    private static Map<String, Map<String, Long>> perLayer(TrafficCounter.Snapshot sent) {
        Map<String, Map<TrafficClass, Long>> byLayer = new LinkedHashMap<>();
        sent.byTag().forEach((tag, perClass) -> {
            String key = tag.layer() == Tag.NO_LAYER ? "all" : Integer.toString(tag.layer());
            Map<TrafficClass, Long> sum = byLayer.computeIfAbsent(key, k -> new EnumMap<>(TrafficClass.class));
            perClass.forEach((c, bytes) -> sum.merge(c, bytes, Long::sum));
        });
        Map<String, Map<String, Long>> out = new LinkedHashMap<>();
        byLayer.forEach((layer, perClass) -> out.put(layer, names(perClass)));
        return out;
    }
}
