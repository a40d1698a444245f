package io.sparkmoe.routing.select;

import java.util.Arrays;

/**
 * Stable sort of indices by a double key, descending: equal keys keep their input order, which is how
 * every tie in routing breaks (toward the lower expert, the earlier token, the earlier slot). No boxing, no
 * comparator objects.
 *
 * <p>Fast path: when the indices come in ascending order and every key is exactly a float (always so for
 * scores of a float32 router), each (key, index) pair is packed into one long whose natural order is
 * "key descending, then index ascending", and {@link Arrays#sort(long[])} does the work — several times
 * faster than the merge sort used otherwise, with the same result.
 */
public final class StableSort {

    private StableSort() {
    }

    /** Sorts {@code idx[0..len)} so that {@code key[idx[i]]} is non-increasing, stably. */
    public static void descending(int[] idx, int len, double[] key) {
        if (packable(idx, len, key)) {
            packedSort(idx, len, key);
        } else {
            mergeSort(idx, len, key);
        }
    }

    private static boolean packable(int[] idx, int len, double[] key) {
        for (int i = 0; i < len; i++) {
            double k = key[idx[i]];
            if ((i > 0 && idx[i] <= idx[i - 1]) || idx[i] < 0 || (double) (float) k != k) {
                return false;
            }
        }
        return true;
    }

    /** Float bits mapped to an int whose signed order is the float order (−0 and +0 equal). */
    static int orderedBits(float f) {
        int bits = Float.floatToIntBits(f + 0.0f);
        return bits ^ ((bits >> 31) & 0x7fffffff);
    }

    /**
     * One long whose natural order is "key descending, then index ascending", for a key that is exactly a
     * float and an index ≥ 0; {@code (int) packed} gives the index back.
     */
    public static long packDescending(double key, int index) {
        return ((long) ~orderedBits((float) key) << 32) | index;
    }

    /** Whether every key is exactly a float, so {@link #packDescending} loses nothing. */
    public static boolean floatExact(double[] keys) {
        for (double k : keys) {
            if ((double) (float) k != k) {
                return false;
            }
        }
        return true;
    }

    private static void packedSort(int[] idx, int len, double[] key) {
        long[] packed = new long[len];
        for (int i = 0; i < len; i++) {
            packed[i] = packDescending(key[idx[i]], idx[i]);
        }
        Arrays.sort(packed);
        for (int i = 0; i < len; i++) {
            idx[i] = (int) packed[i];
        }
    }

    private static void mergeSort(int[] idx, int len, double[] key) {
        int[] buf = new int[len];
        for (int width = 1; width < len; width *= 2) {
            for (int lo = 0; lo < len - width; lo += 2 * width) {
                merge(idx, buf, lo, lo + width, Math.min(lo + 2 * width, len), key);
            }
        }
    }

    private static void merge(int[] idx, int[] buf, int lo, int mid, int hi, double[] key) {
        if (key[idx[mid - 1]] >= key[idx[mid]]) {
            return;
        }
        System.arraycopy(idx, lo, buf, lo, hi - lo);
        int i = lo;
        int j = mid;
        for (int o = lo; o < hi; o++) {
            if (j >= hi || (i < mid && key[buf[i]] >= key[buf[j]])) {
                idx[o] = buf[i++];
            } else {
                idx[o] = buf[j++];
            }
        }
    }
}
