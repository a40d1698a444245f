package io.sparkmoe.model;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Where a training step's time goes inside the model: layers add the nanoseconds of their forward and backward
 * work to a phase, and the training loop drains the sums once per step into the {@code timing} field of its
 * {@code step} events. One {@code long} add per timed region, no allocation: cheap enough to stay on always.
 * Not thread-safe (one model, one thread).
 */
public final class StepClock {

    /** Attention: q/k/v/o projections, RoPE, the T×T part (forward and backward). */
    public static final int ATTENTION = 0;
    /** Router forward (scores, selection, aux losses, capacity) and backward. */
    public static final int ROUTE = 1;
    /** Grouping (token, expert) pairs per expert and gathering their rows (and the gradients' rows). */
    public static final int DISPATCH = 2;
    /** The routed and shared experts' SwiGLUs, forward and backward. */
    public static final int EXPERTS = 3;
    /** Scattering g-weighted expert outputs back to tokens, dL/dg and the dL/dx scatter in backward. */
    public static final int COMBINE = 4;
    /** Dense (non-MoE) feed-forward layers. */
    public static final int DENSE = 5;
    /** The rest of the model's time: embedding, RMSNorms, residual adds, final norm, LM head, cross-entropy. */
    public static final int OTHER = 6;

    private static final String[] NAMES = {"attention", "route", "dispatch", "experts", "combine", "dense", "other"};

    private final long[] nanos = new long[NAMES.length];
    private long modelNanos;

    /** Adds {@code System.nanoTime() − start} to a phase and returns the current time (the next region's start). */
    public long lap(int phase, long start) {
        long now = System.nanoTime();
        nanos[phase] += now - start;
        return now;
    }

    /** Adds nanoseconds measured elsewhere. */
    public void add(int phase, long duration) {
        nanos[phase] += duration;
    }

    /**
     * Adds the whole duration of a model forward (with its loss) or backward: what the named phases do not cover of
     * it is reported as {@code other}.
     */
    public void addModelTime(long duration) {
        modelNanos += duration;
    }

    /** Seconds per phase since the last drain (every phase, zero ones too, in a fixed order), then zero. */
    public Map<String, Double> drain() {
        long named = 0;
        for (int i = 0; i < OTHER; i++) {
            named += nanos[i];
        }
        nanos[OTHER] += Math.max(0, modelNanos - named);
        modelNanos = 0;
        Map<String, Double> out = new LinkedHashMap<>();
        for (int i = 0; i < NAMES.length; i++) {
            out.put(NAMES[i], nanos[i] / 1e9);
            nanos[i] = 0;
        }
        return out;
    }
}
