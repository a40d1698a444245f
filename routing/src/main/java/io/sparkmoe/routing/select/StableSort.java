package io.sparkmoe.routing.select;

/**
 * Stable sort of indices by a double key, descending: equal keys keep their input order, which is how
 * every tie in routing breaks (toward the lower expert, the earlier token, the earlier slot). A merge
 * sort on primitive arrays: no boxing, no comparator objects.
 */
public final class StableSort {

    private StableSort() {
    }

    /** Sorts {@code idx[0..len)} so that {@code key[idx[i]]} is non-increasing, stably. */
    public static void descending(int[] idx, int len, double[] key) {
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
