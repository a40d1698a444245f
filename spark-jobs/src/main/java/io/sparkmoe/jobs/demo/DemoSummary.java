package io.sparkmoe.jobs.demo;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * What the demo prints and writes to {@code summary.json}, computed from the run directory's {@code metrics.jsonl}
 * (the same events the notebooks read) and the evaluation: the loss curve's start and end, validation loss and
 * perplexity against the corpus's unigram entropy (the loss of a model that ignores context), and each MoE layer's
 * expert load averaged over the run (the share of routed pairs each expert received; a balanced layer gives 1/E each).
 *
 * @param steps          training steps
 * @param lossStart      mean training loss of the first {@link #WINDOW} steps
 * @param lossEnd        mean training loss of the last {@link #WINDOW} steps
 * @param valLoss        validation cross-entropy of the final model (dropless, whole validation split)
 * @param valPerplexity  {@code exp(valLoss)}
 * @param unigramEntropy entropy of the training tokens' unigram distribution, nats
 * @param tokensPerSecond mean training throughput
 * @param expertLoad     per MoE layer, each expert's share of the routed pairs over the run
 */
public record DemoSummary(int steps, double lossStart, double lossEnd, double valLoss, double valPerplexity,
                          double unigramEntropy, double tokensPerSecond, Map<Integer, double[]> expertLoad) {

    /** Steps averaged at each end of the loss curve, so one noisy batch does not decide the figure. */
    static final int WINDOW = 10;
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Reads {@code metrics.jsonl} and combines it with the evaluation's loss and the unigram entropy. */
    public static DemoSummary of(Path metrics, double valLoss, double unigramEntropy) {
        List<JsonNode> events = new ArrayList<>();
        try {
            for (String line : Files.readAllLines(metrics)) {
                if (!line.isBlank()) {
                    events.add(JSON.readTree(line));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(metrics + ": cannot read the run's metrics", e);
        }
        List<Double> losses = new ArrayList<>();
        double tokens = 0;
        double seconds = 0;
        Map<Integer, double[]> load = new TreeMap<>();
        for (JsonNode e : events) {
            String kind = e.path("event").asText();
            if (kind.equals("step")) {
                losses.add(e.path("loss").asDouble());
                double perSecond = e.path("tokens_per_s").asDouble();
                if (perSecond > 0) {
                    double stepTokens = e.path("tokens").asDouble() / Math.max(1, e.path("step").asInt());
                    tokens += stepTokens;
                    seconds += stepTokens / perSecond;
                }
            } else if (kind.equals("routing")) {
                JsonNode counts = e.path("load");
                double total = 0;
                for (JsonNode c : counts) {
                    total += c.asDouble();
                }
                double[] sum = load.computeIfAbsent(e.path("layer").asInt(), l -> new double[counts.size() + 1]);
                for (int j = 0; j < counts.size() && total > 0; j++) {
                    sum[j] += counts.get(j).asDouble() / total;
                }
                sum[counts.size()] += total > 0 ? 1 : 0;
            }
        }
        if (losses.isEmpty()) {
            throw new IllegalStateException(metrics + ": no step events; the training wrote nothing");
        }
        Map<Integer, double[]> shares = new TreeMap<>();
        load.forEach((layer, sum) -> {
            int experts = sum.length - 1;
            double[] share = new double[experts];
            for (int j = 0; j < experts; j++) {
                share[j] = sum[experts] == 0 ? 0 : sum[j] / sum[experts];
            }
            shares.put(layer, share);
        });
        return new DemoSummary(losses.size(), mean(losses.subList(0, Math.min(WINDOW, losses.size()))),
                mean(losses.subList(Math.max(0, losses.size() - WINDOW), losses.size())), valLoss, Math.exp(valLoss),
                unigramEntropy, seconds > 0 ? tokens / seconds : 0, shares);
    }

    private static double mean(List<Double> xs) {
        return xs.stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN);
    }

    /** Coefficient of variation of a layer's expert shares: 0 when perfectly balanced. */
    static double coefficientOfVariation(double[] share) {
        double mean = 0;
        for (double s : share) {
            mean += s / share.length;
        }
        double var = 0;
        for (double s : share) {
            var += (s - mean) * (s - mean) / share.length;
        }
        return mean == 0 ? 0 : Math.sqrt(var) / mean;
    }

    /** The lines the demo prints. */
    public List<String> lines() {
        List<String> out = new ArrayList<>();
        out.add(String.format("training loss %.3f -> %.3f over %d steps (means of the first and last %d), %.0f tokens/s",
                lossStart, lossEnd, steps, Math.min(WINDOW, steps), tokensPerSecond));
        out.add(String.format("validation loss %.3f (perplexity %.1f) vs unigram entropy %.3f (perplexity %.1f): %s",
                valLoss, valPerplexity, unigramEntropy, Math.exp(unigramEntropy),
                valLoss < unigramEntropy ? String.format("%.3f nats below, the model uses context", unigramEntropy - valLoss)
                        : "not below it yet; train longer"));
        expertLoad.forEach((layer, share) -> {
            StringBuilder b = new StringBuilder(String.format("layer %d expert load", layer));
            for (double s : share) {
                b.append(String.format(" %4.1f%%", 100 * s));
            }
            b.append(String.format("  (cv %.2f)", coefficientOfVariation(share)));
            out.add(b.toString());
        });
        return out;
    }

    /** The summary as {@code summary.json}. */
    public String toJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("steps", steps);
        m.put("loss_start", lossStart);
        m.put("loss_end", lossEnd);
        m.put("val_loss", valLoss);
        m.put("val_ppl", valPerplexity);
        m.put("unigram_entropy", unigramEntropy);
        m.put("tokens_per_s", tokensPerSecond);
        Map<String, Object> layers = new LinkedHashMap<>();
        expertLoad.forEach((layer, share) -> layers.put(String.valueOf(layer),
                Map.of("share", share, "cv", coefficientOfVariation(share))));
        m.put("expert_load", layers);
        try {
            return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(m) + "\n";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
