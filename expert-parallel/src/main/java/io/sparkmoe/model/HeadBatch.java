package io.sparkmoe.model;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A stack of {@code count} row-major {@code [rows, cols]} matrices in one contiguous buffer, with the per-matrix views
 * made once: attention's per-(sequence, head) operands and products. ND4J's batched GEMM is broken in this version
 * (see the stack notes), so the batch is a loop of {@code Nd4j.gemm} calls over these views, writing in place.
 */
final class HeadBatch {

    final INDArray all;
    private final INDArray[] slices;

    HeadBatch(DataType type, int count, int rows, int cols) {
        all = Nd4j.createUninitialized(type, new long[]{count, rows, cols}, 'c');
        slices = new INDArray[count];
        for (int i = 0; i < count; i++) {
            slices[i] = all.tensorAlongDimension(i, 1, 2);
        }
    }

    /** This batch if it already has the shape and type, else a new one. */
    static HeadBatch reuse(HeadBatch b, DataType type, int count, int rows, int cols) {
        if (b != null && b.all.dataType() == type && b.all.size(0) == count && b.all.size(1) == rows
                && b.all.size(2) == cols) {
            return b;
        }
        return new HeadBatch(type, count, rows, cols);
    }

    INDArray get(int i) {
        return slices[i];
    }

    int count() {
        return slices.length;
    }

    /** The whole stack as {@code [count·rows, cols]} (a view of the same buffer). */
    INDArray rows() {
        return all.reshape('c', all.size(0) * all.size(1), all.size(2));
    }

    /** {@code this_i = alpha · op(a_i)·op(b_i)} for every matrix i. */
    void product(HeadBatch a, boolean transA, HeadBatch b, boolean transB, double alpha) {
        for (int i = 0; i < slices.length; i++) {
            Nd4j.gemm(a.get(i), b.get(i), slices[i], transA, transB, alpha, 0.0);
        }
    }
}
