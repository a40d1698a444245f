package io.sparkmoe.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.Function;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * The direct BLAS product against a triple loop in double precision, for every way the model lays out its operands:
 * row- and column-major, transposed views, views inside larger matrices (leading dimension above the size, an
 * offset), with and without op-transposes, alpha and beta, float32 and float64; and the fallback for mixed types.
 */
class GemmTest {

    private static final Random RANDOM = new Random(11);

    /** Ways to hold a [rows, cols] matrix with the given values. */
    private static List<Function<double[][], INDArray>> layouts(DataType type) {
        List<Function<double[][], INDArray>> out = new ArrayList<>();
        out.add(v -> Nd4j.create(v).castTo(type).dup('c'));
        out.add(v -> Nd4j.create(v).castTo(type).dup('f'));
        // the transpose of a contiguous matrix of the transposed values
        out.add(v -> Nd4j.create(transpose(v)).castTo(type).dup('c').transpose());
        // inside a larger matrix, row-major and column-major
        out.add(v -> embedded(v, type, 'c'));
        out.add(v -> embedded(v, type, 'f'));
        return out;
    }

    private static INDArray embedded(double[][] v, DataType type, char order) {
        int r = v.length;
        int c = v[0].length;
        INDArray big = Nd4j.rand(type, r + 3, c + 2).dup(order);
        INDArray view = big.get(NDArrayIndex.interval(2, 2 + r), NDArrayIndex.interval(1, 1 + c));
        view.assign(Nd4j.create(v).castTo(type));
        return view;
    }

    @Test
    void everyLayoutAndTransposeAgreesWithTheTripleLoop() {
        for (DataType type : new DataType[]{DataType.FLOAT, DataType.DOUBLE}) {
            double tolerance = type == DataType.FLOAT ? 1e-4 : 1e-11;
            List<Function<double[][], INDArray>> layouts = layouts(type);
            int m = 5;
            int n = 4;
            int k = 7;
            for (boolean ta : new boolean[]{false, true}) {
                for (boolean tb : new boolean[]{false, true}) {
                    double[][] av = random(ta ? k : m, ta ? m : k);
                    double[][] bv = random(tb ? n : k, tb ? k : n);
                    double[][] cv = random(m, n);
                    double[][] expected = reference(op(av, ta), op(bv, tb), cv, 0.5, 0.25);
                    for (Function<double[][], INDArray> la : layouts) {
                        for (Function<double[][], INDArray> lb : layouts) {
                            for (Function<double[][], INDArray> lc : layouts) {
                                INDArray c = lc.apply(cv);
                                Gemm.gemm(la.apply(av), lb.apply(bv), c, ta, tb, 0.5, 0.25);
                                assertClose(expected, c, tolerance, type + " ta " + ta + " tb " + tb + " a "
                                        + layouts.indexOf(la) + " b " + layouts.indexOf(lb) + " c "
                                        + layouts.indexOf(lc));
                            }
                        }
                    }
                }
            }
        }
    }

    @Test
    void vectorsAndMixedTypesWork() {
        double[][] a = random(1, 6);
        double[][] b = random(6, 1);
        INDArray c = Nd4j.zeros(DataType.FLOAT, 1, 1);
        Gemm.gemm(Nd4j.create(a).castTo(DataType.FLOAT), Nd4j.create(b).castTo(DataType.FLOAT), c, false, false, 1, 0);
        assertClose(reference(a, b, new double[1][1], 1, 0), c, 1e-5, "row times column");
        INDArray outer = Nd4j.zeros(DataType.DOUBLE, 6, 6);
        Gemm.gemm(Nd4j.create(b), Nd4j.create(a), outer, false, false, 1, 0);
        assertClose(reference(b, a, new double[6][6], 1, 0), outer, 1e-12, "column times row");
        // a row read with a stride of 2: column-major with leading dimension 2
        INDArray big = Nd4j.rand(DataType.FLOAT, 4, 12);
        INDArray strided = big.get(NDArrayIndex.interval(0, 2, 2), NDArrayIndex.interval(0, 2, 12));
        INDArray out = Nd4j.zeros(DataType.FLOAT, 1, 1);
        double[][] sv = new double[1][6];
        for (int j = 0; j < 6; j++) {
            sv[0][j] = strided.getDouble(0, j);
        }
        Gemm.gemm(strided, Nd4j.create(b).castTo(DataType.FLOAT), out, false, false, 1, 0);
        assertClose(reference(sv, b, new double[1][1], 1, 0), out, 1e-5, "a strided operand");
    }

    @Test
    void shapesThatDoNotAgreeAreRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Gemm.gemm(
                Nd4j.rand(DataType.FLOAT, 3, 4), Nd4j.rand(DataType.FLOAT, 5, 2), Nd4j.zeros(DataType.FLOAT, 3, 2),
                false, false, 1, 0));
        assertEquals("gemm shapes do not agree: op(a) [3, 4], op(b) [5, 2], c [3, 2]", e.getMessage());
    }

    private static void assertClose(double[][] expected, INDArray actual, double tolerance, String what) {
        for (int i = 0; i < expected.length; i++) {
            for (int j = 0; j < expected[0].length; j++) {
                assertEquals(expected[i][j], actual.getDouble(i, j), tolerance, what + " at (" + i + ", " + j + ")");
            }
        }
    }

    private static double[][] reference(double[][] a, double[][] b, double[][] c, double alpha, double beta) {
        double[][] out = new double[a.length][b[0].length];
        for (int i = 0; i < a.length; i++) {
            for (int j = 0; j < b[0].length; j++) {
                double s = 0;
                for (int p = 0; p < b.length; p++) {
                    s += a[i][p] * b[p][j];
                }
                out[i][j] = alpha * s + beta * c[i][j];
            }
        }
        return out;
    }

    private static double[][] op(double[][] v, boolean t) {
        return t ? transpose(v) : v;
    }

    private static double[][] transpose(double[][] v) {
        double[][] t = new double[v[0].length][v.length];
        for (int i = 0; i < v.length; i++) {
            for (int j = 0; j < v[0].length; j++) {
                t[j][i] = v[i][j];
            }
        }
        return t;
    }

    private static double[][] random(int r, int c) {
        double[][] v = new double[r][c];
        for (double[] row : v) {
            for (int j = 0; j < c; j++) {
                row[j] = RANDOM.nextGaussian();
            }
        }
        return v;
    }
}
