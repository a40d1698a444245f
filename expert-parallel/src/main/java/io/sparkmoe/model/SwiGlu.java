package io.sparkmoe.model;

import io.sparkmoe.routing.scores.Arrays2;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * SwiGLU feed-forward {@code y = (silu(x·W1ᵀ) ⊙ (x·W3ᵀ))·W2ᵀ}, used for dense layers, routed and shared experts.
 * Backward with {@code a = x·W1ᵀ}, {@code b = x·W3ᵀ}, {@code h = silu(a)⊙b}: {@code dh = dy·W2}, {@code dW2 = dyᵀ·h},
 * {@code da = dh⊙b⊙silu'(a)} where {@code silu'(a) = σ(a)(1 + a(1 − σ(a)))}, {@code db = dh⊙silu(a)},
 * {@code dx = da·W1 + db·W3}, {@code dW1 = daᵀ·x}, {@code dW3 = dbᵀ·x}.
 */
public final class SwiGlu {

    private final Parameters params;
    private final String w1;
    private final String w3;
    private final String w2;
    private INDArray x;
    private double[] a;
    private double[] b;
    private INDArray h;

    /** Tensor names of W1 (gate), W3 (up) and W2 (down). */
    public SwiGlu(Parameters params, String w1, String w3, String w2) {
        this.params = params;
        this.w1 = w1;
        this.w3 = w3;
        this.w2 = w2;
    }

    /** An expert's SwiGLU, {@code <prefix>w1.weight / w3.weight / w2.weight} (the Mixtral names). */
    public static SwiGlu expert(Parameters params, String prefix) {
        return new SwiGlu(params, prefix + "w1.weight", prefix + "w3.weight", prefix + "w2.weight");
    }

    public INDArray forward(INDArray input) {
        x = input;
        a = Arrays2.toDoubles(Linear.forward(x, params.value(w1)));
        b = Arrays2.toDoubles(Linear.forward(x, params.value(w3)));
        double[] hv = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            hv[i] = a[i] * sigmoid(a[i]) * b[i];
        }
        h = Arrays2.matrix(hv, input.rows(), a.length / Math.max(1, input.rows()), x.dataType());
        return Linear.forward(h, params.value(w2));
    }

    public INDArray backward(INDArray dy) {
        Linear.accumulateWeightGradient(params, w2, dy, h);
        double[] dh = Arrays2.toDoubles(Linear.inputGradient(dy, params.value(w2)));
        double[] da = new double[dh.length];
        double[] db = new double[dh.length];
        for (int i = 0; i < dh.length; i++) {
            double s = sigmoid(a[i]);
            da[i] = dh[i] * b[i] * s * (1 + a[i] * (1 - s));
            db[i] = dh[i] * a[i] * s;
        }
        int rows = x.rows();
        int f = dh.length / Math.max(1, rows);
        INDArray daArray = Arrays2.matrix(da, rows, f, x.dataType());
        INDArray dbArray = Arrays2.matrix(db, rows, f, x.dataType());
        Linear.accumulateWeightGradient(params, w1, daArray, x);
        Linear.accumulateWeightGradient(params, w3, dbArray, x);
        return Linear.inputGradient(daArray, params.value(w1)).addi(Linear.inputGradient(dbArray, params.value(w3)));
    }

    static double sigmoid(double z) {
        return 1 / (1 + Math.exp(-z));
    }
}
