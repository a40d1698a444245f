package io.sparkmoe.jobs.ep;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sparkmoe.parallel.InProcessRanks;
import io.sparkmoe.train.MetricsWriter;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What one {@code train-ep} run measured, from the metrics files of all its ranks ({@code metrics.jsonl} for rank 0,
 * {@code metrics-rank%05d.jsonl} for the others): the step's time and its parts, bytes that crossed nodes per token,
 * and the validation loss. The locality benchmark compares variants with it and feeds the cost model's calibration.
 *
 * <p>Times are medians over every (rank, step) pair after the warm-up steps (JIT compilation and the first
 * connections make the first steps slow and would swamp a short run); shares are the parts' sums over the total,
 * so they add up to one. Bytes are means (they add up: a mean times the steps is what was sent). A step that was
 * repeated after a rerun counts once, with its later line, as {@code train-ep} documents.
 *
 * @param ranks                   ranks whose files were read
 * @param steps                   steps counted per rank (after the warm-up)
 * @param tokensPerRank           tokens each rank routes per step (its share of the global batch)
 * @param stepSeconds             median step time
 * @param meanStepSeconds         mean step time: what periodic averaging, one slow step in n, costs shows here
 * @param computeSeconds          median compute per step
 * @param exchangeWaitSeconds     median time in exchange calls per step (MoE exchange, gradient all-reduce, sums)
 * @param moeExchangeSeconds      median time in the MoE layers' exchange calls per step ({@code timing.exchange})
 * @param averagingSeconds        mean periodic averaging time per step (0 in all-reduce mode)
 * @param computeShare            Σ compute / Σ step time
 * @param exchangeWaitShare       Σ exchange wait / Σ step time
 * @param averagingShare          Σ averaging / Σ step time
 * @param remoteBytesPerToken     bytes sent across nodes per token of the global batch, every call
 * @param moeRemoteBytesPerToken  the same, the MoE layers' calls only (no gradient all-reduce, no sums)
 * @param sameNodeBytesPerToken   bytes sent between ranks of one node per token, every call
 * @param finalLoss               training loss of the last step
 * @param valLoss                 validation loss of the last evaluation (NaN if none)
 */
public record EpRunMetrics(int ranks, int steps, long tokensPerRank, double stepSeconds, double meanStepSeconds,
                           double computeSeconds,
                           double exchangeWaitSeconds, double moeExchangeSeconds, double averagingSeconds,
                           double computeShare, double exchangeWaitShare, double averagingShare,
                           double remoteBytesPerToken, double moeRemoteBytesPerToken, double sameNodeBytesPerToken,
                           double finalLoss, double valLoss) {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** The metrics file rank {@code rank} of a {@code train-ep} run writes in its run directory. */
    public static Path fileOf(Path runDir, int rank) {
        return runDir.resolve(rank == 0 ? MetricsWriter.FILE : InProcessRanks.metricsFile(rank));
    }

    /**
     * Reads the files of {@code ranks} ranks in {@code runDir}, skipping steps up to {@code warmupSteps}.
     *
     * @throws IllegalArgumentException naming the file when one is missing, has no step after the warm-up, or a step
     *                                  event lacks a field the benchmark needs
     */
    public static EpRunMetrics read(Path runDir, int ranks, long tokensPerRank, int warmupSteps) {
        List<double[]> rows = new ArrayList<>();   // per (rank, step): step, compute, wait, moe, averaging, bytes…
        double finalLoss = Double.NaN;
        double valLoss = Double.NaN;
        int stepsPerRank = -1;
        for (int r = 0; r < ranks; r++) {
            Path file = fileOf(runDir, r);
            TreeMap<Integer, JsonNode> steps = new TreeMap<>();
            TreeMap<Integer, JsonNode> evals = new TreeMap<>();
            for (JsonNode e : lines(file)) {
                String event = e.path("event").asText();
                if (event.equals("step")) {
                    steps.put(e.path("step").asInt(), e);
                } else if (event.equals("eval")) {
                    evals.put(e.path("step").asInt(), e);
                }
            }
            if (r == 0) {
                if (!steps.isEmpty()) {
                    finalLoss = steps.lastEntry().getValue().path("loss").asDouble(Double.NaN);
                }
                if (!evals.isEmpty()) {
                    valLoss = evals.lastEntry().getValue().path("val_loss").asDouble(Double.NaN);
                }
            }
            int counted = 0;
            for (Map.Entry<Integer, JsonNode> s : steps.entrySet()) {
                if (s.getKey() > warmupSteps) {
                    rows.add(row(file, s.getKey(), s.getValue()));
                    counted++;
                }
            }
            if (counted == 0) {
                throw new IllegalArgumentException(file + ": no step event after the " + warmupSteps
                        + " warm-up steps (" + steps.size() + " steps in all): the run did not get that far");
            }
            stepsPerRank = stepsPerRank < 0 ? counted : Math.min(stepsPerRank, counted);
        }
        double total = sum(rows, 0);
        double tokens = (double) rows.size() * tokensPerRank;
        return new EpRunMetrics(ranks, stepsPerRank, tokensPerRank, median(rows, 0), total / rows.size(), median(rows, 1),
                median(rows, 2), median(rows, 3), sum(rows, 4) / rows.size(), sum(rows, 1) / total,
                sum(rows, 2) / total, sum(rows, 4) / total, sum(rows, 5) / tokens, sum(rows, 6) / tokens,
                sum(rows, 7) / tokens, finalLoss, valLoss);
    }

    /** Median seconds per step spent keeping replicas equal: the exchange wait outside the MoE layers plus averaging. */
    public double replicaSeconds() {
        return Math.max(0, exchangeWaitSeconds - moeExchangeSeconds) + averagingSeconds;
    }

    private static double[] row(Path file, int step, JsonNode e) {
        JsonNode b = e.path("breakdown");
        JsonNode traffic = e.path("traffic");
        JsonNode perLayer = e.path("traffic_per_layer");
        for (String[] need : new String[][]{{"breakdown", "compute"}, {"breakdown", "exchange_wait"},
                {"breakdown", "averaging"}, {"traffic", "remote"}, {"traffic", "same_node"}, {"timing", "exchange"}}) {
            if (!e.path(need[0]).path(need[1]).isNumber()) {
                throw new IllegalArgumentException(file + ": the step event of step " + step + " has no number "
                        + need[0] + "." + need[1] + " (expected a train-ep rank's metrics)");
            }
        }
        if (!perLayer.isObject()) {
            throw new IllegalArgumentException(file + ": the step event of step " + step + " has no traffic_per_layer");
        }
        double compute = b.get("compute").asDouble();
        double wait = b.get("exchange_wait").asDouble();
        double averaging = b.get("averaging").asDouble();
        long moeRemote = 0;
        for (Iterator<Map.Entry<String, JsonNode>> it = perLayer.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> layer = it.next();
            if (!layer.getKey().equals("all")) {
                moeRemote += layer.getValue().path("remote").asLong();
            }
        }
        return new double[]{compute + wait + averaging, compute, wait, e.path("timing").get("exchange").asDouble(),
                averaging, traffic.get("remote").asDouble(), moeRemote, traffic.get("same_node").asDouble()};
    }

    private static List<JsonNode> lines(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("no metrics file " + file + " (expected one per rank of the run)");
        }
        List<JsonNode> out = new ArrayList<>();
        try {
            int n = 0;
            for (String line : Files.readAllLines(file)) {
                n++;
                if (line.isBlank()) {
                    continue;
                }
                try {
                    out.add(JSON.readTree(line));
                } catch (IOException e) {
                    throw new IllegalArgumentException(file + ":" + n + ": not a JSON line: " + e.getMessage());
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        }
        return out;
    }

    private static double sum(List<double[]> rows, int column) {
        double s = 0;
        for (double[] r : rows) {
            s += r[column];
        }
        return s;
    }

    static double median(List<double[]> rows, int column) {
        double[] v = rows.stream().mapToDouble(r -> r[column]).sorted().toArray();
        int n = v.length;
        return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
    }
}
