package io.sparkmoe.train;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

import io.sparkmoe.conf.ModelConfig;
import io.sparkmoe.conf.MoeConfig;
import io.sparkmoe.conf.SparkMoeConfig;
import io.sparkmoe.model.AdamW;
import io.sparkmoe.model.DataParallelWorkers;
import io.sparkmoe.model.MoeTransformer;
import io.sparkmoe.model.StepClock;
import org.bytedeco.javacpp.Pointer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Training throughput of the model on random tokens, measured the way the PyTorch reference's {@code bench} measures
 * its own (median step time after warm-up, forward tokens/s, model FLOPs per token from the same formula, MFU as
 * achieved FLOP/s over this JVM's fp32 GEMM rate measured in the same run with the same threads), plus where a
 * step's time goes ({@link StepClock}) and peak memory. Nothing here is asserted: it is a measurement.
 */
public final class TrainingBenchmark {

    /** Routers that send each token to one expert whatever top-k says (the reference's k_eff = 1). */
    private static final Set<String> ONE_EXPERT_ROUTERS = Set.of("switch", "grap", "hash", "base");

    private TrainingBenchmark() {
    }

    /**
     * One measurement.
     *
     * @param trainTokensPerSecond   tokens of a batch / median step time (forward, backward, optimizer)
     * @param forwardTokensPerSecond tokens of a batch / median forward time (loss included)
     * @param stepSecondsMedian      the median step time
     * @param stepSeconds            every timed step
     * @param gemmGflops             fp32 GEMM rate of this JVM (1024³, median of 10, column-major result)
     * @param breakdownSeconds       median seconds per step of each model phase
     * @param peakHeapBytes          peak of the heap pools (all collectors' pools summed)
     * @param peakPhysicalBytes      peak resident memory of the process (JavaCPP's physicalBytes)
     * @param peakNativeBytes        peak native memory allocated through JavaCPP (ND4J buffers)
     */
    public record Result(int tokensPerStep, double trainTokensPerSecond, double forwardTokensPerSecond,
                         double stepSecondsMedian, double[] stepSeconds, double gemmGflops, double flopsPerToken,
                         double forwardFlopsPerToken, long activeParameters, long totalParameters,
                         Map<String, Double> breakdownSeconds, long peakHeapBytes, long peakPhysicalBytes,
                         long peakNativeBytes, double firstLoss, double lastLoss) {

        public double mfu() {
            return flopsPerToken * trainTokensPerSecond / 1e9 / gemmGflops;
        }

        public double forwardMfu() {
            return forwardFlopsPerToken * forwardTokensPerSecond / 1e9 / gemmGflops;
        }

        public double achievedGflops() {
            return flopsPerToken * trainTokensPerSecond / 1e9;
        }
    }

    /**
     * Trains {@code warmup + steps} AdamW steps on random tokens of the configured model (float32, vocabulary
     * {@code vocab}), then times 6 forwards and the GEMM rate.
     */
    public static Result run(SparkMoeConfig config, int vocab, int warmup, int steps) {
        double gemm = gemmGflops(1024);
        return NativeThreads.forWorkers(config.train().workers(), () -> measure(config, vocab, warmup, steps, gemm));
    }

    /** The training and forward timings of {@link #run}, under the workers' native threads. */
    private static Result measure(SparkMoeConfig config, int vocab, int warmup, int steps, double gemm) {
        ModelConfig m = config.model();
        int batch = config.train().batchSize();
        int seqLen = m.seqLen();
        int tokens = batch * seqLen;
        long seed = config.run().seed();
        DataParallelWorkers workers = new DataParallelWorkers(m, config.routing(), vocab, DataType.FLOAT, seed,
                config.train().workers());
        MoeTransformer model = workers.primary();
        AdamW optimizer = new AdamW(model.parameters(), config.train().optimizer(), warmup + steps);
        Random data = new Random(seed + 1);
        MemoryPeaks memory = new MemoryPeaks();
        double[] times = new double[steps];
        Map<String, double[]> phases = new LinkedHashMap<>();
        double first = 0;
        double last = 0;
        int[][] ids = null;
        for (int s = 0; s < warmup + steps; s++) {
            ids = randomTokens(data, batch, seqLen + 1, vocab);
            long t0 = System.nanoTime();
            workers.zeroGradients();
            double loss = workers.loss(ids);
            workers.backward();
            long o = System.nanoTime();
            workers.step(optimizer);
            workers.afterStep();
            long now = System.nanoTime();
            double dt = (now - t0) / 1e9;
            Map<String, Double> breakdown = workers.drainClock();
            breakdown.put("optimizer", (now - o) / 1e9);
            memory.sample();
            first = s == 0 ? loss : first;
            last = loss;
            if (s >= warmup) {
                times[s - warmup] = dt;
                int index = s - warmup;
                breakdown.forEach((k, v) -> phases.computeIfAbsent(k, x -> new double[steps])[index] = v);
            }
        }
        double[] forward = new double[6];
        for (int i = 0; i < forward.length; i++) {
            long t0 = System.nanoTime();
            workers.loss(ids);
            forward[i] = (System.nanoTime() - t0) / 1e9;
        }
        workers.drainClock();
        memory.sample();
        Map<String, Double> breakdown = new LinkedHashMap<>();
        phases.forEach((k, v) -> breakdown.put(k, median(v)));
        long active = activeParameters(config, vocab);
        long total = model.parameters().names().stream().mapToLong(n -> model.parameters().value(n).length()).sum();
        double stepMedian = median(times);
        return new Result(tokens, tokens / stepMedian, tokens / median(Arrays.copyOfRange(forward, 1, forward.length)),
                stepMedian, times, gemm, flopsPerToken(config, vocab, true), flopsPerToken(config, vocab, false),
                active, total, breakdown, memory.heap, memory.physical, memory.nativeBytes, first, last);
    }

    /**
     * The reference's active parameters per token: the LM head, per layer 4d² of attention plus the dense SwiGLU
     * or the router, k_eff routed experts and the shared experts (the embedding lookup is not a product).
     */
    public static long activeParameters(SparkMoeConfig config, int vocab) {
        ModelConfig m = config.model();
        MoeConfig moe = m.moe();
        long d = m.hiddenSize();
        String router = config.routing().router();
        long n = vocab * d;
        for (int i = 0; i < m.layers(); i++) {
            n += 4 * d * d;
            if (!m.isMoeLayer(i)) {
                n += 3 * d * m.denseIntermediateSize();
                continue;
            }
            n += router.equals("hash") || router.equals("grap") ? 0
                    : router.equals("cosine") ? 16 * (d + moe.experts()) : d * moe.experts();
            int k = ONE_EXPERT_ROUTERS.contains(router) ? 1 : config.routing().topK();
            n += k * 3 * d * moe.intermediateSize();
            n += moe.sharedExperts() * 3 * d * moe.sharedSize() + (moe.sharedExperts() > 0 && moe.sharedGate() ? d : 0);
        }
        return n;
    }

    /** Model FLOPs per token: {@code 6·N_active + 12·L·d·T} (training) or {@code 2·N_active + 4·L·d·T} (forward). */
    public static double flopsPerToken(SparkMoeConfig config, int vocab, boolean train) {
        ModelConfig m = config.model();
        return (train ? 6.0 : 2.0) * activeParameters(config, vocab)
                + (train ? 12.0 : 4.0) * m.layers() * m.hiddenSize() * m.seqLen();
    }

    /** fp32 GEMM GFLOP/s of {@code n³} products into a preallocated column-major result: median of 10 after 3. */
    public static double gemmGflops(int n) {
        INDArray a = Nd4j.rand(DataType.FLOAT, n, n).dup('f');
        INDArray b = Nd4j.rand(DataType.FLOAT, n, n).dup('f');
        INDArray c = Nd4j.createUninitialized(DataType.FLOAT, new long[]{n, n}, 'f');
        double[] t = new double[10];
        for (int i = -3; i < t.length; i++) {
            long t0 = System.nanoTime();
            Nd4j.gemm(a, b, c, false, false, 1.0, 0.0);
            if (i >= 0) {
                t[i] = (System.nanoTime() - t0) / 1e9;
            }
        }
        return 2.0 * n * n * n / median(t) / 1e9;
    }

    static int[][] randomTokens(Random r, int batch, int length, int vocab) {
        int[][] ids = new int[batch][length];
        for (int[] row : ids) {
            for (int t = 0; t < length; t++) {
                row[t] = r.nextInt(vocab);
            }
        }
        return ids;
    }

    static double median(double[] xs) {
        double[] s = xs.clone();
        Arrays.sort(s);
        return s[s.length / 2];
    }

    /** Peak heap (pools' peak usage) and native memory, sampled after each step. */
    private static final class MemoryPeaks {
        long heap;
        long physical;
        long nativeBytes;

        void sample() {
            long h = 0;
            List<MemoryPoolMXBean> pools = ManagementFactory.getMemoryPoolMXBeans();
            for (MemoryPoolMXBean p : pools) {
                if (p.getType() == MemoryType.HEAP && p.getPeakUsage() != null) {
                    h += p.getPeakUsage().getUsed();
                }
            }
            heap = Math.max(heap, h);
            physical = Math.max(physical, Pointer.physicalBytes());
            nativeBytes = Math.max(nativeBytes, Pointer.totalBytes());
        }
    }
}
