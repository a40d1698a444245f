package io.sparkmoe.model;

import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.openblas.global.openblas_nolapack;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * {@code c = alpha·op(a)·op(b) + beta·c}, the contract of {@code Nd4j.gemm}, as one call into the CPU backend's
 * OpenBLAS on the arrays' own memory. {@code Nd4j.gemm} builds an ND4J op per call (its shape check crosses into
 * native code and back) and copies a row-major result: 15–30 µs per product, which at attention's and the experts'
 * shapes (a few hundred products of 0.1–1 ms per step and worker) was 4–5 % of a step (docs/benchmarks.md, round 5).
 * Here every operand may be row- or column-major with any leading dimension (a view of a larger matrix, a head of
 * {@link SequenceColumns}), and a row-major result is computed as its transpose, so nothing is copied.
 *
 * <p>Anything else (another backend, mixed or other data types, a layout with no unit stride) goes to
 * {@code Nd4j.gemm}, which accepts it. The system property {@code sparkmoe.nd4j-gemm=true} routes every product
 * there (the comparison in the tests).
 */
final class Gemm {

    private static final int COL_MAJOR = openblas_nolapack.CblasColMajor;
    private static final int NO_TRANS = openblas_nolapack.CblasNoTrans;
    private static final int TRANS = openblas_nolapack.CblasTrans;
    private static final boolean DIRECT = Nd4j.getEnvironment().isCPU() && !Boolean.getBoolean("sparkmoe.nd4j-gemm");

    private Gemm() {
    }

    /** {@code c = alpha·op(a)·op(b) + beta·c} (op = transpose where asked); c must not overlap a or b. */
    static void gemm(INDArray a, INDArray b, INDArray c, boolean transA, boolean transB, double alpha, double beta) {
        Layout la = Layout.of(a);
        Layout lb = Layout.of(b);
        Layout lc = Layout.of(c);
        DataType type = c.dataType();
        boolean same = a.dataType() == type && b.dataType() == type
                && (type == DataType.FLOAT || type == DataType.DOUBLE);
        if (!DIRECT || !same || la == null || lb == null || lc == null || a.length() == 0 || b.length() == 0
                || c.length() == 0) {
            Nd4j.gemm(a, b, c, transA, transB, alpha, beta);
            return;
        }
        int m = (int) c.rows();
        int n = (int) c.columns();
        int k = (int) (transA ? a.rows() : a.columns());
        if ((transA ? a.columns() : a.rows()) != m || (transB ? b.rows() : b.columns()) != n
                || (transB ? b.columns() : b.rows()) != k) {
            throw new IllegalArgumentException("gemm shapes do not agree: op(a) " + shape(a, transA) + ", op(b) "
                    + shape(b, transB) + ", c " + shape(c, false));
        }
        if (lc.columnMajor) {
            call(type, a, la, transA, b, lb, transB, c, lc, m, n, k, alpha, beta);
        } else {
            // a row-major c is cᵀ column-major: cᵀ = op(b)ᵀ·op(a)ᵀ
            call(type, b, lb, !transB, a, la, !transA, c, lc, n, m, k, alpha, beta);
        }
    }

    /** Column-major cblas call for c [m, n] = alpha·op(x)·op(y) + beta·c, with op(x) [m, k] and op(y) [k, n]. */
    private static void call(DataType type, INDArray x, Layout lx, boolean tx, INDArray y, Layout ly, boolean ty,
                             INDArray c, Layout lc, int m, int n, int k, double alpha, double beta) {
        // an operand stored row-major is its transpose stored column-major
        int opX = lx.columnMajor == tx ? TRANS : NO_TRANS;
        int opY = ly.columnMajor == ty ? TRANS : NO_TRANS;
        if (type == DataType.FLOAT) {
            openblas_nolapack.cblas_sgemm(COL_MAJOR, opX, opY, m, n, k, (float) alpha, floats(x), lx.ld, floats(y),
                    ly.ld, (float) beta, floats(c), lc.ld);
        } else {
            openblas_nolapack.cblas_dgemm(COL_MAJOR, opX, opY, m, n, k, alpha, doubles(x), lx.ld, doubles(y), ly.ld,
                    beta, doubles(c), lc.ld);
        }
    }

    // a view's buffer may itself start at an offset (its address includes it); the array's offset counts from the
    // underlying buffer's start

    private static FloatPointer floats(INDArray a) {
        return new FloatPointer(a.data().addressPointer()).position(a.offset() - a.data().offset());
    }

    private static DoublePointer doubles(INDArray a) {
        return new DoublePointer(a.data().addressPointer()).position(a.offset() - a.data().offset());
    }

    private static String shape(INDArray a, boolean trans) {
        return trans ? "[" + a.columns() + ", " + a.rows() + "]" : "[" + a.rows() + ", " + a.columns() + "]";
    }

    /** How a matrix lies in memory: column-major (element (i, j) at i + j·ld) or row-major (at i·ld + j). */
    private record Layout(boolean columnMajor, int ld) {

        /** The layout BLAS can read a matrix in place with, or null if it has none (no unit stride). */
        static Layout of(INDArray a) {
            if (a.rank() != 2) {
                return null;
            }
            long rows = a.rows();
            long cols = a.columns();
            long s0 = a.stride(0);
            long s1 = a.stride(1);
            if ((s0 == 1 || rows == 1) && (cols == 1 || s1 >= Math.max(1, rows))) {
                return new Layout(true, (int) Math.max(rows, cols == 1 ? rows : s1));
            }
            if ((s1 == 1 || cols == 1) && (rows == 1 || s0 >= Math.max(1, cols))) {
                return new Layout(false, (int) Math.max(cols, rows == 1 ? cols : s0));
            }
            return null;
        }
    }
}
