package io.sparkmoe.model;

import io.sparkmoe.routing.scores.Arrays2;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * {@code y = x·r ⊙ g} with {@code r = (mean_j x_j² + eps)^(-1/2)} per row. Backward: {@code dg_j = Σ_t dy_tj x_tj r_t};
 * with {@code u = dy ⊙ g}, {@code ∂r/∂x_j = −r³x_j/d}, so {@code dx = r·u − x·r³/d·(u·x)}. Element-wise work runs on
 * plain arrays after one bulk copy (many tiny ND4J ops would cost more than the math).
 */
public final class RmsNorm {

    private final Parameters params;
    private final String name;
    private final double eps;
    private final Buffers buffers = new Buffers();
    private final ScratchArray output = new ScratchArray('c');
    private final ScratchArray inputGradient = new ScratchArray('c');
    private double[] work;
    private double[] x;
    private double[] r;
    private int n;
    private int d;

    public RmsNorm(Parameters params, String name, double eps) {
        this.params = params;
        this.name = name;
        this.eps = eps;
    }

    public INDArray forward(INDArray input) {
        n = input.rows();
        d = input.columns();
        x = Buffers.ensure(x, n * d);
        buffers.read(input, x);
        r = Buffers.ensure(r, n);
        double[] y = work = Buffers.ensure(work, n * d);
        normalize(x, r, y, n, d);
        INDArray out = output.get(input.dataType(), n, d);
        buffers.write(y, out);
        return out;
    }

    /** Inference only: the same normalization into a new array, keeping nothing for a backward. */
    INDArray apply(INDArray input) {
        int rows = input.rows();
        int cols = input.columns();
        double[] y = new double[rows * cols];
        normalize(Arrays2.toDoubles(input), new double[rows], y, rows, cols);
        return Arrays2.matrix(y, rows, cols, input.dataType());
    }

    /** y = x·r ⊙ g row by row, with the rows' r written to {@code r}. */
    private void normalize(double[] x, double[] r, double[] y, int n, int d) {
        double[] g = Arrays2.toDoubles(params.value(name));
        for (int t = 0; t < n; t++) {
            double s = 0;
            for (int j = 0; j < d; j++) {
                s += x[t * d + j] * x[t * d + j];
            }
            r[t] = 1 / Math.sqrt(s / d + eps);
            for (int j = 0; j < d; j++) {
                y[t * d + j] = x[t * d + j] * r[t] * g[j];
            }
        }
    }

    public INDArray backward(INDArray dyArray) {
        double[] dy = work = Buffers.ensure(work, n * d);
        buffers.read(dyArray, dy);
        double[] g = Arrays2.toDoubles(params.value(name));
        double[] dg = new double[d];
        double[] dx = dy;
        for (int t = 0; t < n; t++) {
            double ux = 0;
            for (int j = 0; j < d; j++) {
                dg[j] += dy[t * d + j] * x[t * d + j] * r[t];
                ux += dy[t * d + j] * g[j] * x[t * d + j];
            }
            double c = r[t] * r[t] * r[t] / d * ux;   // dx overwrites dy in place, entry by entry
            for (int j = 0; j < d; j++) {
                dx[t * d + j] = r[t] * dy[t * d + j] * g[j] - x[t * d + j] * c;
            }
        }
        params.accumulate(name, dg);
        INDArray out = inputGradient.get(dyArray.dataType(), n, d);
        buffers.write(dx, out);
        return out;
    }
}
