package io.sparkmoe.routing.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;

import io.sparkmoe.conf.Capacity;
import io.sparkmoe.conf.RoutingConfig;
import io.sparkmoe.routing.Router;
import io.sparkmoe.routing.RoutingDecision;
import io.sparkmoe.routing.RoutingInput;
import io.sparkmoe.routing.TestConfigs;
import io.sparkmoe.routing.TestData;
import io.sparkmoe.routing.routers.RouterShape;
import io.sparkmoe.routing.routers.Routers;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Routing time per 1M tokens for every router at E ∈ {8, 64}, d ∈ {256, 1024} (float32), next to the time of
 * the experts' SwiGLU matrix products for the same tokens (f = 2d, the pairs spread evenly over the experts,
 * three {@code Nd4j.gemm} calls per expert into column-major results), and their ratio. Each figure is kept
 * as median and minimum of the repetitions; the ratio uses the minima, the least disturbed by other work on
 * a shared machine. Not a test: run it by hand (see docs/benchmarks.md); it writes
 * {@code bench/results/routing-routers.json} (or the path given).
 */
public final class RoutingBenchmark {

    private static final int[] EXPERTS = {8, 64};
    private static final int[] HIDDEN = {256, 1024};
    private static final int BATCH = 8192;
    private static final int REPS = 5;
    private static final int WARMUP = 2;
    private static final int VOCAB = 32000;

    /** Median and minimum of the repetitions, in ms per 1M tokens. */
    private record Timing(double median, double min) {
        static Timing of(double[] v) {
            double[] s = v.clone();
            Arrays.sort(s);
            return new Timing(s[s.length / 2], s[0]);
        }
    }

    private record RouterRow(String router, int experts, int hidden, int k, Timing route, Timing backward,
                             Timing expertTime) {
        double ratio() {
            return route.min() / expertTime.min();
        }
    }

    private record ExpertRow(int experts, int hidden, int ffn, int k, Timing time, double gflops) {
    }

    private RoutingBenchmark() {
    }

    public static void main(String[] args) throws IOException {
        Path out = Path.of(args.length > 0 ? args[0] : "bench/results/routing-routers.json");
        List<RouterRow> rows = new ArrayList<>();
        List<ExpertRow> expertRows = new ArrayList<>();
        for (int d : HIDDEN) {
            for (int e : EXPERTS) {
                INDArray x = TestData.gaussian(1, BATCH, d, 1, DataType.FLOAT);
                int[] ids = TestData.tokenIds(2, BATCH, VOCAB);
                ExpertRow[] byK = {null, expertTime(e, d, 1, x), expertTime(e, d, 2, x)};
                expertRows.add(byK[1]);
                expertRows.add(byK[2]);
                for (String name : RoutingConfig.ROUTERS) {
                    int k = RoutingConfig.TOP1_ROUTERS.contains(name) ? 1 : 2;
                    RouterRow row = routerTime(name, e, d, k, x, ids, byK[k].time());
                    rows.add(row);
                    System.out.printf(Locale.ROOT, "E=%-3d d=%-5d %-14s k=%d route %9.1f ms/1M  backward %9.1f ms/1M"
                                    + "  experts %10.1f ms/1M  route/experts %.4f  (minima)%n", e, d, name, k,
                            row.route().min(), row.backward().min(), row.expertTime().min(), row.ratio());
                }
            }
        }
        Files.createDirectories(out.toAbsolutePath().getParent());
        Files.writeString(out, json(rows, expertRows));
        System.out.println("wrote " + out);
    }

    private static RouterRow routerTime(String name, int e, int d, int k, INDArray x, int[] ids, Timing experts) {
        TestConfigs c = TestConfigs.router(name, k).loadBalance(0.01)
                .capacity(new Capacity.Factor(name.equals("expert-choice") ? 1.0 : 1.25));
        Router r = Routers.create(c.build(), RouterShape.of(e, d, VOCAB, DataType.FLOAT), 3);
        RoutingInput in = RoutingInput.of(x).withTokenIds(ids);
        double[] route = new double[REPS];
        double[] backward = new double[REPS];
        for (int rep = -WARMUP; rep < REPS; rep++) {
            long t0 = System.nanoTime();
            RoutingDecision dec = r.route(in);
            long t1 = System.nanoTime();
            r.backward(dec, Nd4j.ones(DataType.FLOAT, BATCH, dec.slots()));
            long t2 = System.nanoTime();
            if (rep >= 0) {
                route[rep] = perMillion(t1 - t0);
                backward[rep] = perMillion(t2 - t1);
            }
        }
        return new RouterRow(name, e, d, k, Timing.of(route), Timing.of(backward), experts);
    }

    /**
     * Forward matrix products of the experts for one batch with k pairs per token spread evenly:
     * per expert n = N·k/E tokens, h1 = x·W1ᵀ, h3 = x·W3ᵀ ([n, f]), y = h·W2ᵀ ([n, d]). One set of weights is
     * reused for every expert (same FLOPs; E·3·d·f floats would not fit in memory at E = 64, d = 1024).
     */
    private static ExpertRow expertTime(int e, int d, int k, INDArray x) {
        int f = 2 * d;
        int n = BATCH * k / e;
        Random rnd = new Random(4);
        INDArray w1 = Nd4j.rand(DataType.FLOAT, f, d);
        INDArray w3 = Nd4j.rand(DataType.FLOAT, f, d);
        INDArray w2 = Nd4j.rand(DataType.FLOAT, d, f);
        INDArray[] tokens = new INDArray[e];
        for (int j = 0; j < e; j++) {
            int start = (rnd.nextInt(BATCH - n + 1));
            tokens[j] = x.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(start, start + n),
                    org.nd4j.linalg.indexing.NDArrayIndex.all()).dup('c');
        }
        INDArray h1 = Nd4j.createUninitialized(DataType.FLOAT, new long[]{n, f}, 'f');
        INDArray h3 = Nd4j.createUninitialized(DataType.FLOAT, new long[]{n, f}, 'f');
        INDArray y = Nd4j.createUninitialized(DataType.FLOAT, new long[]{n, d}, 'f');
        double[] ms = new double[REPS];
        for (int rep = -1; rep < REPS; rep++) {
            long t0 = System.nanoTime();
            for (int j = 0; j < e; j++) {
                Nd4j.gemm(tokens[j], w1, h1, false, true, 1.0, 0.0);
                Nd4j.gemm(tokens[j], w3, h3, false, true, 1.0, 0.0);
                Nd4j.gemm(h1, w2, y, false, true, 1.0, 0.0);
            }
            if (rep >= 0) {
                ms[rep] = perMillion(System.nanoTime() - t0);
            }
        }
        Timing t = Timing.of(ms);
        double flopsPerMillion = 2.0 * 3 * d * f * k * 1e6;
        return new ExpertRow(e, d, f, k, t, flopsPerMillion / (t.min() / 1e3) / 1e9);
    }

    private static double perMillion(long nanos) {
        return nanos / 1e6 * (1e6 / BATCH);
    }

    private static String json(Timing t) {
        return String.format(Locale.ROOT, "{\"median\": %.2f, \"min\": %.2f}", t.median(), t.min());
    }

    private static String json(List<RouterRow> rows, List<ExpertRow> experts) {
        StringBuilder b = new StringBuilder();
        b.append("{\n  \"benchmark\": \"routing-routers\",\n");
        b.append(String.format(Locale.ROOT, "  \"tokens_per_batch\": %d,\n  \"reps\": %d,\n  \"dtype\": \"float32\",\n"
                        + "  \"available_processors\": %d,\n  \"java\": \"%s\",\n", BATCH, REPS,
                Runtime.getRuntime().availableProcessors(), System.getProperty("java.version")));
        b.append("  \"routers\": [\n");
        for (int i = 0; i < rows.size(); i++) {
            RouterRow r = rows.get(i);
            b.append(String.format(Locale.ROOT, "    {\"router\": \"%s\", \"experts\": %d, \"hidden\": %d, \"k\": %d, "
                            + "\"route_ms_per_1m_tokens\": %s, \"backward_ms_per_1m_tokens\": %s, "
                            + "\"experts_ms_per_1m_tokens\": %s, \"route_over_experts\": %.5f}%s%n", r.router(),
                    r.experts(), r.hidden(), r.k(), json(r.route()), json(r.backward()), json(r.expertTime()),
                    r.ratio(), i + 1 < rows.size() ? "," : ""));
        }
        b.append("  ],\n  \"experts\": [\n");
        for (int i = 0; i < experts.size(); i++) {
            ExpertRow r = experts.get(i);
            b.append(String.format(Locale.ROOT, "    {\"experts\": %d, \"hidden\": %d, \"ffn\": %d, \"k\": %d, "
                            + "\"ms_per_1m_tokens\": %s, \"gflops\": %.1f}%s%n", r.experts(), r.hidden(), r.ffn(),
                    r.k(), json(r.time()), r.gflops(), i + 1 < experts.size() ? "," : ""));
        }
        b.append("  ]\n}\n");
        return b.toString();
    }
}
