package io.sparkmoe.model;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A stack of {@code count} row-major {@code [rows, cols]} matrices in one contiguous buffer (attention's per-(sequence,
 * head) scores and their gradients, whose rows the softmax works along), with per-matrix views made once. ND4J's
 * batched GEMM is broken in this version (see the stack notes), so products over the stack are a loop of
 * {@link Gemm} calls ({@link #product}).
 *
 * <p>A product into matrix i may be written either way: {@link #transposed()} is the column-major view of the same
 * memory, and {@link Gemm} computes a row-major result as its transpose, so neither copies.
 */
final class HeadBatch {

    final INDArray all;
    private final INDArray[] slices;
    private final INDArray[] transposed;

    HeadBatch(DataType type, int count, int rows, int cols) {
        all = Nd4j.createUninitialized(type, new long[]{count, rows, cols}, 'c');
        slices = new INDArray[count];
        transposed = new INDArray[count];
        for (int i = 0; i < count; i++) {
            slices[i] = all.tensorAlongDimension(i, 1, 2);
            transposed[i] = slices[i].transpose();
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

    /** The row-major [rows, cols] matrices (views). */
    INDArray[] slices() {
        return slices;
    }

    /** The same matrices transposed: column-major [cols, rows] views of the same memory. */
    INDArray[] transposed() {
        return transposed;
    }

    /** The whole stack as {@code [count·rows, cols]} (a view of the same buffer). */
    INDArray rows() {
        return all.reshape('c', all.size(0) * all.size(1), all.size(2));
    }

    /** {@code c_i = alpha · op(a_i)·op(b_i)} for every i (each c_i contiguous and column-major). */
    static void product(INDArray[] a, boolean transA, INDArray[] b, boolean transB, INDArray[] c, double alpha) {
        for (int i = 0; i < c.length; i++) {
            Gemm.gemm(a[i], b[i], c[i], transA, transB, alpha, 0.0);
        }
    }
}
