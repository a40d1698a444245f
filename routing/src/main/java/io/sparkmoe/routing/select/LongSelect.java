package io.sparkmoe.routing.select;

/**
 * Partial ordering of a long array (quickselect, Hoare partition, median of three): afterwards the
 * {@code k − from} smallest values of {@code a[from..to)} are in {@code a[from..k)}, in no particular order.
 * Lets a greedy pass sort only the prefix of a long ordering that it will actually consume.
 */
public final class LongSelect {

    private LongSelect() {
    }

    public static void smallestFirst(long[] a, int from, int to, int k) {
        int lo = from;
        int hi = to - 1;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            long pivot = median(a[lo], a[mid], a[hi]);
            int i = lo;
            int j = hi;
            while (i <= j) {
                while (a[i] < pivot) {
                    i++;
                }
                while (a[j] > pivot) {
                    j--;
                }
                if (i <= j) {
                    long t = a[i];
                    a[i++] = a[j];
                    a[j--] = t;
                }
            }
            if (k - 1 <= j) {
                hi = j;
            } else if (k - 1 >= i) {
                lo = i;
            } else {
                return;
            }
        }
    }

    private static long median(long a, long b, long c) {
        return Math.max(Math.min(a, b), Math.min(Math.max(a, b), c));
    }
}
