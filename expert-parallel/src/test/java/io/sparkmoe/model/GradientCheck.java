package io.sparkmoe.model;

import java.util.Random;
import java.util.function.DoubleSupplier;
import java.util.function.UnaryOperator;

import io.sparkmoe.routing.scores.Arrays2;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** Central finite differences in float64 against the analytic backward. */
final class GradientCheck {

    private static final double EPS = 1e-6;

    private GradientCheck() {
    }

    /** A [rows, cols] float64 matrix of normal(0, std) draws. */
    static INDArray normal(Random r, int rows, int cols, double std) {
        double[] v = new double[rows * cols];
        for (int i = 0; i < v.length; i++) {
            v[i] = r.nextGaussian() * std;
        }
        return Arrays2.matrix(v, rows, cols, DataType.DOUBLE);
    }

    /**
     * A layer {@code y = f(x)}: checks dL/dx and dL/d(every learned tensor) of {@code L = Σ y ⊙ R} (R random), with
     * {@code backward(R)} returning dL/dx and accumulating into {@code params}.
     */
    static void checkLayer(Parameters params, INDArray x, UnaryOperator<INDArray> forward, UnaryOperator<INDArray> backward) {
        checkLayer(params, x, forward, backward, () -> 0);
    }

    /**
     * As above, with {@code L = Σ y ⊙ R + extra}, {@code extra} read after each forward (a MoE layer's aux losses, whose
     * gradients its backward adds).
     */
    static void checkLayer(Parameters params, INDArray x, UnaryOperator<INDArray> forward, UnaryOperator<INDArray> backward,
                           DoubleSupplier extra) {
        INDArray shape = forward.apply(x);
        INDArray probe = normal(new Random(99), (int) shape.rows(), (int) shape.columns(), 1);
        DoubleSupplier loss = () -> forward.apply(x).mul(probe).sumNumber().doubleValue() + extra.getAsDouble();
        params.zeroGradients();
        forward.apply(x);
        double[] dx = Arrays2.toDoubles(backward.apply(probe));
        compare("input", x, dx, loss);
        checkParametersAfterBackward(params, loss, Integer.MAX_VALUE);
    }

    /** Checks the gradients already accumulated in {@code params} against differences of {@code loss}. */
    static void checkParametersAfterBackward(Parameters params, DoubleSupplier loss, int maxEntriesPerTensor) {
        java.util.Map<String, double[]> analytic = new java.util.LinkedHashMap<>();
        for (String name : params.names()) {
            analytic.put(name, Arrays2.toDoubles(params.gradient(name).reshape(1, params.gradient(name).length())));
        }
        for (String name : params.names()) {
            INDArray v = params.value(name);
            compareEntries(name, v, analytic.get(name), loss, maxEntriesPerTensor);
        }
    }

    private static void compare(String what, INDArray x, double[] analytic, DoubleSupplier loss) {
        compareEntries(what, x, analytic, loss, Integer.MAX_VALUE);
    }

    private static void compareEntries(String what, INDArray x, double[] analytic, DoubleSupplier loss, int maxEntries) {
        long n = x.length();
        long stride = Math.max(1, (n + maxEntries - 1) / maxEntries);
        for (long i = 0; i < n; i += stride) {
            double orig = x.getDouble(i);
            x.putScalar(i, orig + EPS);
            double plus = loss.getAsDouble();
            x.putScalar(i, orig - EPS);
            double minus = loss.getAsDouble();
            x.putScalar(i, orig);
            double numeric = (plus - minus) / (2 * EPS);
            double a = analytic[(int) i];
            assertTrue(Math.abs(numeric - a) <= 1e-6 + 1e-5 * Math.abs(numeric),
                    what + "[" + i + "]: analytic " + a + ", numeric " + numeric);
        }
    }
}
