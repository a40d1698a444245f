package io.sparkmoe.model;

import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Bulk copies between a contiguous row-major ND4J array (float32 or float64) and a reused Java {@code double[]}:
 * one NIO bulk transfer plus a widening or narrowing loop, no allocation when the scratch arrays are big enough.
 * Element-wise work that would take many ~9 µs ND4J ops runs on the Java side instead.
 */
final class Buffers {

    private float[] floats = new float[0];
    private double[] doubles;

    /** Whether {@code a} can be read and written in place: contiguous, row-major, float32 or float64. */
    static boolean direct(INDArray a) {
        return a.ordering() == 'c' && !a.isView() && a.elementWiseStride() == 1
                && (a.dataType() == DataType.FLOAT || a.dataType() == DataType.DOUBLE);
    }

    /** Whether {@code a} is a contiguous column-major float32/float64 matrix (a GEMM output). */
    static boolean columnMajor(INDArray a) {
        return a.rank() == 2 && a.ordering() == 'f' && !a.isView() && a.elementWiseStride() == 1
                && a.stride(0) == 1 && a.stride(1) == a.rows()
                && (a.dataType() == DataType.FLOAT || a.dataType() == DataType.DOUBLE);
    }

    /** A reused array of at least n values. */
    static double[] ensure(double[] a, int n) {
        return a != null && a.length >= n ? a : new double[n];
    }

    /** Copies a's values (row-major) into {@code out[0, a.length)} (arrays that are not {@link #direct}: slowly). */
    void read(INDArray a, double[] out) {
        int n = (int) a.length();
        if (columnMajor(a)) {
            readTransposed(a, out);
            return;
        }
        if (!direct(a)) {
            System.arraycopy(a.dup('c').data().asDouble(), 0, out, 0, n);
            return;
        }
        copyOut(a, 0, out, n);
    }

    /**
     * Values {@code [from, from + n)} of a {@link #direct} array (row-major order) into {@code out[0, n)}: a tensor
     * read in pieces small enough to stay in cache.
     */
    void readRange(INDArray a, int from, double[] out, int n) {
        requireDirect(a);
        copyOut(a, from, out, n);
    }

    /** Overwrites values {@code [from, from + n)} of a {@link #direct} array with {@code values[0, n)}. */
    void writeRange(double[] values, INDArray a, int from, int n) {
        requireDirect(a);
        copyIn(values, a, from, n);
    }

    /** Overwrites a's values (row-major) with {@code values[0, a.length)} (not {@link #direct}: slowly). */
    void write(double[] values, INDArray a) {
        int n = (int) a.length();
        if (!direct(a)) {
            a.assign(Nd4j.create(java.util.Arrays.copyOf(values, n), a.shape()).castTo(a.dataType()));
            return;
        }
        copyIn(values, a, 0, n);
    }

    /** The buffer of a contiguous array (either order) in memory order, without reordering. */
    void readRaw(INDArray a, double[] out) {
        readRaw(a, out, (int) a.length());
    }

    /** The first n values of a contiguous array's buffer (a reused buffer larger than what a step uses). */
    void readRaw(INDArray a, double[] out, int n) {
        requireContiguous(a);
        copyOut(a, 0, out, n);
    }

    /** Overwrites the buffer of a contiguous array (either order) in memory order. */
    void writeRaw(double[] values, INDArray a) {
        writeRaw(values, a, (int) a.length());
    }

    /** Overwrites the first n values of a contiguous array's buffer. */
    void writeRaw(double[] values, INDArray a, int n) {
        requireContiguous(a);
        copyIn(values, a, 0, n);
    }

    /** n values of a's buffer from its offset + from, in memory order, widened to double. */
    private void copyOut(INDArray a, int from, double[] out, int n) {
        if (a.dataType() == DataType.DOUBLE) {
            DoubleBuffer b = a.data().asNioDouble();
            b.position((int) a.offset() + from);
            b.get(out, 0, n);
            return;
        }
        float[] f = scratch(n);
        FloatBuffer b = a.data().asNioFloat();
        b.position((int) a.offset() + from);
        b.get(f, 0, n);
        for (int i = 0; i < n; i++) {
            out[i] = f[i];
        }
    }

    /** Overwrites n values of a's buffer from its offset + from, in memory order, narrowed to a's type. */
    private void copyIn(double[] values, INDArray a, int from, int n) {
        if (a.dataType() == DataType.DOUBLE) {
            DoubleBuffer b = a.data().asNioDouble();
            b.position((int) a.offset() + from);
            b.put(values, 0, n);
            return;
        }
        float[] f = scratch(n);
        for (int i = 0; i < n; i++) {
            f[i] = (float) values[i];
        }
        FloatBuffer b = a.data().asNioFloat();
        b.position((int) a.offset() + from);
        b.put(f, 0, n);
    }

    private static void requireDirect(INDArray a) {
        if (!direct(a)) {
            throw new IllegalArgumentException("expected a contiguous row-major float32/float64 array, got "
                    + a.shapeInfoToString());
        }
    }

    private static void requireContiguous(INDArray a) {
        if (a.isView() || a.elementWiseStride() != 1 || (a.dataType() != DataType.FLOAT && a.dataType() != DataType.DOUBLE)) {
            throw new IllegalArgumentException("expected a contiguous float32/float64 array, got " + a.shapeInfoToString());
        }
    }

    /** Column-major [r, c] → row-major values, tile by tile so both sides stay in cache. */
    private void readTransposed(INDArray a, double[] out) {
        int r = (int) a.rows();
        int c = (int) a.columns();
        int n = r * c;
        double[] src;
        if (a.dataType() == DataType.DOUBLE) {
            src = doubles = ensure(doubles, n);
            DoubleBuffer b = a.data().asNioDouble();
            b.position((int) a.offset());
            b.get(src, 0, n);
        } else {
            float[] f = scratch(n);
            FloatBuffer b = a.data().asNioFloat();
            b.position((int) a.offset());
            b.get(f, 0, n);
            src = doubles = ensure(doubles, n);
            for (int i = 0; i < n; i++) {
                src[i] = f[i];
            }
        }
        final int tile = 32;
        for (int j0 = 0; j0 < c; j0 += tile) {
            int j1 = Math.min(c, j0 + tile);
            for (int i0 = 0; i0 < r; i0 += tile) {
                int i1 = Math.min(r, i0 + tile);
                for (int j = j0; j < j1; j++) {
                    for (int i = i0; i < i1; i++) {
                        out[i * c + j] = src[j * r + i];
                    }
                }
            }
        }
    }

    private float[] scratch(int n) {
        if (floats.length < n) {
            floats = new float[n];
        }
        return floats;
    }
}
