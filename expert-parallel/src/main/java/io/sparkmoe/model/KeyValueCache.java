package io.sparkmoe.model;

import java.util.ArrayList;
import java.util.List;

/**
 * The keys and values (after RoPE, at their absolute positions) of the tokens one sequence has read so far, per
 * decoder layer, for incremental decoding ({@link MoeTransformer#forwardCached}). Holds at most {@code capacity}
 * positions (the model's context): generation past it slides the window, which changes every position, so the
 * caller recomputes instead.
 */
public final class KeyValueCache {

    /** One layer's rows {@code [position][d]}. */
    static final class Layer {
        final double[] keys;
        final double[] values;

        Layer(int capacity, int d) {
            keys = new double[capacity * d];
            values = new double[capacity * d];
        }
    }

    private final int capacity;
    private final List<Layer> layers = new ArrayList<>();
    private int length;

    KeyValueCache(int layers, int capacity, int d) {
        this.capacity = capacity;
        for (int i = 0; i < layers; i++) {
            this.layers.add(new Layer(capacity, d));
        }
    }

    /** Positions cached (the next token's position). */
    public int length() {
        return length;
    }

    /** The most positions it holds. */
    public int capacity() {
        return capacity;
    }

    Layer layer(int i) {
        return layers.get(i);
    }

    /** Checks that n more positions fit. */
    void reserve(int n) {
        if (n < 1 || length + n > capacity) {
            throw new IllegalArgumentException("the key/value cache holds " + capacity + " positions; " + length
                    + " are cached, " + n + " more do not fit (recompute the window instead)");
        }
    }

    /** Marks n appended positions as cached (after every layer wrote them). */
    void advance(int n) {
        length += n;
    }
}
