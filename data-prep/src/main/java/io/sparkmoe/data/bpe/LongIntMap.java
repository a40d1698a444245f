package io.sparkmoe.data.bpe;

import java.util.Arrays;

/**
 * An open-addressing map from {@code long} to non-negative {@code int}, for the encoder's pair → rank
 * lookups, which run once per adjacent pair per merge step and would otherwise box a {@code Long} each time.
 */
final class LongIntMap {

    private final long[] keys;
    private final int[] values;
    private final int mask;

    LongIntMap(int expected) {
        int capacity = Integer.highestOneBit(Math.max(4, expected * 2) - 1) << 1;
        keys = new long[capacity];
        values = new int[capacity];
        Arrays.fill(values, -1);
        mask = capacity - 1;
    }

    void put(long key, int value) {
        int i = slot(key);
        while (values[i] >= 0 && keys[i] != key) {
            i = (i + 1) & mask;
        }
        keys[i] = key;
        values[i] = value;
    }

    /** The value of {@code key}, or -1. */
    int get(long key) {
        int i = slot(key);
        while (values[i] >= 0) {
            if (keys[i] == key) {
                return values[i];
            }
            i = (i + 1) & mask;
        }
        return -1;
    }

    private int slot(long key) {
        long h = key * 0x9E3779B97F4A7C15L;
        return (int) (h >>> 40) & mask;
    }
}
