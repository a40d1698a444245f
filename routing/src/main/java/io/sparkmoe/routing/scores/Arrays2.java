package io.sparkmoe.routing.scores;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Bulk conversions between ND4J arrays and plain row-major Java arrays (one copy each way). */
public final class Arrays2 {

    private Arrays2() {
    }

    /** A contiguous row-major array with the same values (x itself when it already is one). */
    public static INDArray rowMajor(INDArray x) {
        return x.ordering() == 'c' && !x.isView() ? x : x.dup('c');
    }

    /** The values of a matrix, row-major. */
    public static double[] toDoubles(INDArray x) {
        return rowMajor(x).data().asDouble();
    }

    /**
     * A [rows, cols] array of the given type from row-major values, written through an NIO view of the native
     * buffer (a bulk copy; ND4J's {@code create}/{@code createFromArray} write element by element).
     */
    public static INDArray matrix(double[] values, int rows, int cols, DataType type) {
        if (type == DataType.FLOAT) {
            float[] f = new float[values.length];
            for (int i = 0; i < f.length; i++) {
                f[i] = (float) values[i];
            }
            INDArray a = Nd4j.createUninitialized(DataType.FLOAT, new long[]{rows, cols}, 'c');
            a.data().asNioFloat().put(f);
            return a;
        }
        INDArray a = Nd4j.createUninitialized(DataType.DOUBLE, new long[]{rows, cols}, 'c');
        a.data().asNioDouble().put(values);
        return type == DataType.DOUBLE ? a : a.castTo(type);
    }

    /** Euclidean norm of each row of a row-major [n, m] array. */
    public static double[] rowNorms(double[] v, int n, int m) {
        double[] out = new double[n];
        for (int i = 0; i < n; i++) {
            double s = 0;
            for (int j = 0; j < m; j++) {
                s += v[i * m + j] * v[i * m + j];
            }
            out[i] = Math.sqrt(s);
        }
        return out;
    }
}
