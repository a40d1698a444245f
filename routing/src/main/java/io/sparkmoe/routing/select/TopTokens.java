package io.sparkmoe.routing.select;

/**
 * The C best entries of a column (value descending, ties toward the lower index) without sorting it: a
 * bounded heap whose root is the worst kept entry, O(N·log C) and usually one comparison per entry. Used by
 * Expert Choice, where each expert keeps C ≪ N tokens.
 */
public final class TopTokens {

    private final int[] heap;
    private int size;

    /** @param capacity the largest C this instance will be asked for */
    public TopTokens(int capacity) {
        this.heap = new int[capacity];
    }

    /**
     * Writes the indices of the {@code c} best of {@code value[candidates[0..m)]} (candidates ascending) into
     * {@code out} (in heap order) and returns how many were written, min(c, m).
     */
    public int select(double[] value, int[] candidates, int m, int c, int[] out) {
        size = 0;
        for (int i = 0; i < m && c > 0; i++) {
            int t = candidates[i];
            if (size < c) {
                heap[size] = t;
                siftUp(value, size++);
            } else if (value[t] > value[heap[0]]) {   // equal value: the later index loses the tie
                heap[0] = t;
                siftDown(value, 0);
            }
        }
        System.arraycopy(heap, 0, out, 0, size);
        return size;
    }

    /** a is a worse entry than b. */
    private static boolean worse(double[] v, int a, int b) {
        return v[a] < v[b] || (v[a] == v[b] && a > b);
    }

    private void siftUp(double[] v, int i) {
        while (i > 0) {
            int parent = (i - 1) / 2;
            if (!worse(v, heap[i], heap[parent])) {
                return;
            }
            swap(i, parent);
            i = parent;
        }
    }

    private void siftDown(double[] v, int i) {
        while (true) {
            int l = 2 * i + 1;
            int worst = i;
            if (l < size && worse(v, heap[l], heap[worst])) {
                worst = l;
            }
            if (l + 1 < size && worse(v, heap[l + 1], heap[worst])) {
                worst = l + 1;
            }
            if (worst == i) {
                return;
            }
            swap(i, worst);
            i = worst;
        }
    }

    private void swap(int a, int b) {
        int tmp = heap[a];
        heap[a] = heap[b];
        heap[b] = tmp;
    }
}
