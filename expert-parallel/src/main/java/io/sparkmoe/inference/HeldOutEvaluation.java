package io.sparkmoe.inference;

import java.util.ArrayList;
import java.util.List;

import io.sparkmoe.model.MoeTransformer;

/**
 * Cross-entropy and perplexity on held-out tokens: every shard is cut into consecutive windows of {@code T + 1}
 * tokens overlapping by one (so every token after a window's first is a target exactly once), read in order, in
 * batches; the mean is over all targets. Deterministic: no sampling of windows, unlike the trainer's fixed sample.
 */
public final class HeldOutEvaluation {

    /**
     * What an evaluation measured.
     *
     * @param windows    windows evaluated
     * @param targets    predicted tokens
     * @param loss       mean cross-entropy in nats (auxiliary losses excluded)
     * @param perplexity {@code exp(loss)}
     */
    public record Result(int windows, long targets, double loss, double perplexity) {
    }

    private HeldOutEvaluation() {
    }

    /** {@code maxWindows}: stop after this many windows (0 = all). */
    public static Result run(MoeTransformer model, List<int[]> shards, int seqLen, int batchSize, int maxWindows) {
        List<int[]> windows = windows(shards, seqLen, maxWindows);
        double sum = 0;
        for (int from = 0; from < windows.size(); from += batchSize) {
            List<int[]> batch = windows.subList(from, Math.min(windows.size(), from + batchSize));
            double ce = model.loss(batch.toArray(int[][]::new), -1) - model.auxLoss();
            sum += ce * batch.size();
        }
        double loss = sum / windows.size();
        return new Result(windows.size(), (long) windows.size() * seqLen, loss, Math.exp(loss));
    }

    /**
     * The shards cut into consecutive windows of {@code seqLen + 1} tokens overlapping by one, in order; at most
     * {@code maxWindows} (0 = all). Fails if there is none.
     */
    public static List<int[]> windows(List<int[]> shards, int seqLen, int maxWindows) {
        List<int[]> windows = new ArrayList<>();
        for (int[] shard : shards) {
            for (int start = 0; start + seqLen + 1 <= shard.length; start += seqLen) {
                if (maxWindows > 0 && windows.size() == maxWindows) {
                    break;
                }
                windows.add(java.util.Arrays.copyOfRange(shard, start, start + seqLen + 1));
            }
        }
        if (windows.isEmpty()) {
            throw new IllegalArgumentException("the held-out data holds no window of " + (seqLen + 1)
                    + " tokens (the model's seq_len + 1)");
        }
        return windows;
    }
}
