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
        x = Arrays2.toDoubles(input);
        double[] g = Arrays2.toDoubles(params.value(name));
        r = new double[n];
        double[] y = new double[n * d];
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
        return Arrays2.matrix(y, n, d, input.dataType());
    }

    public INDArray backward(INDArray dyArray) {
        double[] dy = Arrays2.toDoubles(dyArray);
        double[] g = Arrays2.toDoubles(params.value(name));
        double[] dg = new double[d];
        double[] dx = new double[n * d];
        for (int t = 0; t < n; t++) {
            double ux = 0;
            for (int j = 0; j < d; j++) {
                dg[j] += dy[t * d + j] * x[t * d + j] * r[t];
                ux += dy[t * d + j] * g[j] * x[t * d + j];
            }
            double c = r[t] * r[t] * r[t] / d * ux;
            for (int j = 0; j < d; j++) {
                dx[t * d + j] = r[t] * dy[t * d + j] * g[j] - x[t * d + j] * c;
            }
        }
        params.accumulate(name, dg);
        return Arrays2.matrix(dx, n, d, dyArray.dataType());
    }
}
