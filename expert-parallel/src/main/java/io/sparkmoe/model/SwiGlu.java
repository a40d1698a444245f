package io.sparkmoe.model;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * SwiGLU feed-forward {@code y = (silu(x·W1ᵀ) ⊙ (x·W3ᵀ))·W2ᵀ}, used for dense layers, routed and shared experts.
 * Backward with {@code a = x·W1ᵀ}, {@code b = x·W3ᵀ}, {@code h = silu(a)⊙b}: {@code dh = dy·W2}, {@code dW2 = dyᵀ·h},
 * {@code da = dh⊙b⊙silu'(a)} where {@code silu'(a) = σ(a)(1 + a(1 − σ(a)))}, {@code db = dh⊙silu(a)},
 * {@code dx = da·W1 + db·W3}, {@code dW1 = daᵀ·x}, {@code dW3 = dbᵀ·x}.
 *
 * <p>Six GEMMs forward and backward write into reused arrays (the second half of dx with beta = 1 on top of the
 * first), the element-wise parts run as one Java loop each on reused arrays. The arrays returned are overwritten by
 * this SwiGLU's next forward or backward.
 */
public final class SwiGlu {

    private final Parameters params;
    private final String w1;
    private final String w3;
    private final String w2;
    private final Buffers buffers = new Buffers();
    private final ScratchArray aOut = new ScratchArray('f');
    private final ScratchArray bOut = new ScratchArray('f');
    private final ScratchArray yOut = new ScratchArray('f');
    private final ScratchArray dhOut = new ScratchArray('f');
    private final ScratchArray dxOut = new ScratchArray('f');
    private final ScratchArray hIn = new ScratchArray('c');
    private final ScratchArray daIn = new ScratchArray('c');
    private final ScratchArray dbIn = new ScratchArray('c');
    private INDArray x;
    private int rows;
    private int f;
    private double[] a;
    private double[] b;
    private double[] work;
    private double[] dbValues;
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
        rows = input.rows();
        INDArray aArray = Linear.forward(x, params.value(w1), aOut);
        INDArray bArray = Linear.forward(x, params.value(w3), bOut);
        f = (int) aArray.columns();
        int n = rows * f;
        a = Buffers.ensure(a, n);
        b = Buffers.ensure(b, n);
        work = Buffers.ensure(work, n);
        buffers.read(aArray, a);
        buffers.read(bArray, b);
        for (int i = 0; i < n; i++) {
            work[i] = a[i] * sigmoid(a[i]) * b[i];
        }
        h = hIn.get(x.dataType(), rows, f);
        buffers.write(work, h);
        return Linear.forward(h, params.value(w2), yOut);
    }

    public INDArray backward(INDArray dy) {
        Linear.accumulateWeightGradient(params, w2, dy, h);
        int n = rows * f;
        double[] dh = work;
        buffers.read(Linear.inputGradient(dy, params.value(w2), dhOut), dh);
        double[] db = Buffers.ensure(dbValues, n);
        dbValues = db;
        for (int i = 0; i < n; i++) {
            double s = sigmoid(a[i]);
            db[i] = dh[i] * a[i] * s;
            dh[i] = dh[i] * b[i] * s * (1 + a[i] * (1 - s));
        }
        INDArray daArray = daIn.get(x.dataType(), rows, f);
        INDArray dbArray = dbIn.get(x.dataType(), rows, f);
        buffers.write(dh, daArray);
        buffers.write(db, dbArray);
        Linear.accumulateWeightGradient(params, w1, daArray, x);
        Linear.accumulateWeightGradient(params, w3, dbArray, x);
        INDArray dx = Linear.inputGradient(daArray, params.value(w1), dxOut);
        Gemm.gemm(dbArray, params.value(w3), dx, false, false, 1.0, 1.0);
        return dx;
    }

    static double sigmoid(double z) {
        return 1 / (1 + Math.exp(-z));
    }
}
