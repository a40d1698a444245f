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

    /** Whether {@code a} can be read and written in place: contiguous, row-major, float32 or float64. */
    static boolean direct(INDArray a) {
        return a.ordering() == 'c' && !a.isView() && a.elementWiseStride() == 1
                && (a.dataType() == DataType.FLOAT || a.dataType() == DataType.DOUBLE);
    }

    /** Copies a's values (row-major) into {@code out[0, a.length)} (arrays that are not {@link #direct}: slowly). */
    void read(INDArray a, double[] out) {
        int n = (int) a.length();
        if (!direct(a)) {
            System.arraycopy(a.dup('c').data().asDouble(), 0, out, 0, n);
            return;
        }
        if (a.dataType() == DataType.DOUBLE) {
            DoubleBuffer b = a.data().asNioDouble();
            b.position((int) a.offset());
            b.get(out, 0, n);
            return;
        }
        FloatBuffer b = a.data().asNioFloat();
        b.position((int) a.offset());
        float[] f = scratch(n);
        b.get(f, 0, n);
        for (int i = 0; i < n; i++) {
            out[i] = f[i];
        }
    }

    /** Overwrites a's values (row-major) with {@code values[0, a.length)} (not {@link #direct}: slowly). */
    void write(double[] values, INDArray a) {
        int n = (int) a.length();
        if (!direct(a)) {
            a.assign(Nd4j.create(java.util.Arrays.copyOf(values, n), a.shape()).castTo(a.dataType()));
            return;
        }
        if (a.dataType() == DataType.DOUBLE) {
            DoubleBuffer b = a.data().asNioDouble();
            b.position((int) a.offset());
            b.put(values, 0, n);
            return;
        }
        float[] f = scratch(n);
        for (int i = 0; i < n; i++) {
            f[i] = (float) values[i];
        }
        FloatBuffer b = a.data().asNioFloat();
        b.position((int) a.offset());
        b.put(f, 0, n);
    }

    private float[] scratch(int n) {
        if (floats.length < n) {
            floats = new float[n];
        }
        return floats;
    }
}
