package io.sparkmoe.exchange.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.sparkmoe.exchange.Exchange;
import io.sparkmoe.exchange.InProcessExchange;
import io.sparkmoe.exchange.NetworkExchange;
import io.sparkmoe.exchange.Payload;
import io.sparkmoe.exchange.Tag;
import io.sparkmoe.exchange.Topology;

import java.io.File;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Times the exchange: 4 ranks in this JVM (nodes {@code a,a,b,b}), all-to-alls with the same payload to every
 * rank at three sizes, and an all-reduce of 1M floats, over loopback sockets and in-process. Per call the wall
 * time on rank 0; median and minimum of the repetitions after warm-up calls. A plain {@code main}, not a test:
 * {@code ExchangeBenchmark [out.json]} (docs/expert-parallel.md has the command).
 */
public final class ExchangeBenchmark {

    private static final int RANKS = 4;
    private static final int WARMUP = 3;
    private static final int REPS = 15;
    private static final int[] FLOATS_PER_PAIR = {1_024, 65_536, 262_144};
    private static final int ALL_REDUCE_FLOATS = 1 << 20;

    private ExchangeBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        File out = new File(args.length > 0 ? args[0] : "bench/results/exchange-all-to-all.json");
        Topology topology = Topology.of("a", "a", "b", "b");
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("benchmark", "exchange-all-to-all");
        result.put("ranks", RANKS);
        result.put("topology", "a,a,b,b");
        result.put("warmup", WARMUP);
        result.put("reps", REPS);
        result.put("available_processors", Runtime.getRuntime().availableProcessors());
        result.put("java", System.getProperty("java.version"));
        List<Map<String, Object>> rows = new ArrayList<>();
        for (String kind : List.of("network", "in-process")) {
            List<Exchange> ranks = open(kind, topology);
            try {
                for (int floats : FLOATS_PER_PAIR) {
                    double[] ms = time(ranks, exchange -> exchange.allToAll(Tag.of(0, Tag.Phase.DISPATCH),
                            Collections.nCopies(RANKS, Payload.ofFloats(new float[floats]))));
                    rows.add(row(kind, "all_to_all", floats, ms, (double) RANKS * (RANKS - 1) * floats * 4));
                }
                double[] ms = time(ranks, exchange -> exchange.allReduceSum(Tag.global(Tag.Phase.ALL_REDUCE),
                        new float[ALL_REDUCE_FLOATS]));
                rows.add(row(kind, "all_reduce", ALL_REDUCE_FLOATS, ms,
                        2.0 * (RANKS - 1) * ALL_REDUCE_FLOATS * 4)); // each rank sends 2(N-1)/N of the array
            } finally {
                ranks.forEach(Exchange::close);
            }
        }
        result.put("calls", rows);
        ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        File parent = out.getAbsoluteFile().getParentFile();
        if (!parent.isDirectory() && !parent.mkdirs()) {
            throw new IllegalStateException("cannot create " + parent);
        }
        File partial = new File(parent, out.getName() + ".partial");
        json.writeValue(partial, result);
        if (!partial.renameTo(out)) {
            throw new IllegalStateException("cannot move " + partial + " to " + out);
        }
        System.out.println(json.writeValueAsString(result));
        System.exit(0);
    }

    private static List<Exchange> open(String kind, Topology topology) {
        if (kind.equals("in-process")) {
            return new ArrayList<>(InProcessExchange.group(topology, Duration.ofMinutes(2)).ranks());
        }
        byte[] secret = NetworkExchange.newSecret();
        NetworkExchange.Settings settings = new NetworkExchange.Settings(Duration.ofSeconds(30),
                Duration.ofMinutes(2), 64 << 20);
        List<NetworkExchange.Listener> listeners = new ArrayList<>();
        List<InetSocketAddress> addresses = new ArrayList<>();
        for (int rank = 0; rank < RANKS; rank++) {
            NetworkExchange.Listener listener = NetworkExchange.listen(rank, RANKS, secret, settings,
                    new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            listeners.add(listener);
            addresses.add(listener.address());
        }
        List<Exchange> exchanges = new ArrayList<>();
        for (NetworkExchange.Listener listener : listeners) {
            exchanges.add(listener.connect(topology, addresses));
        }
        return exchanges;
    }

    /** Runs {@code call} on every rank WARMUP + REPS times; returns rank 0's per-call milliseconds. */
    private static double[] time(List<Exchange> ranks, java.util.function.Consumer<Exchange> call)
            throws Exception {
        ExecutorService threads = Executors.newFixedThreadPool(ranks.size());
        try {
            List<Future<double[]>> futures = new ArrayList<>();
            for (Exchange exchange : ranks) {
                futures.add(threads.submit(() -> {
                    double[] ms = new double[REPS];
                    for (int i = 0; i < WARMUP + REPS; i++) {
                        long start = System.nanoTime();
                        call.accept(exchange);
                        if (i >= WARMUP) {
                            ms[i - WARMUP] = (System.nanoTime() - start) / 1e6;
                        }
                    }
                    return ms;
                }));
            }
            double[] rank0 = null;
            for (Future<double[]> future : futures) {
                double[] ms = future.get();
                rank0 = rank0 == null ? ms : rank0;
            }
            return rank0;
        } finally {
            threads.shutdownNow();
        }
    }

    private static Map<String, Object> row(String kind, String call, int floats, double[] ms, double bytesMoved) {
        double[] sorted = ms.clone();
        Arrays.sort(sorted);
        double median = sorted[sorted.length / 2];
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("exchange", kind);
        row.put("call", call);
        row.put("floats", floats);
        row.put("ms_median", Math.round(median * 1000) / 1000.0);
        row.put("ms_min", Math.round(sorted[0] * 1000) / 1000.0);
        row.put("mb_per_s_between_ranks_at_min", Math.round(bytesMoved / (sorted[0] / 1e3) / 1e6 * 10) / 10.0);
        return row;
    }
}
