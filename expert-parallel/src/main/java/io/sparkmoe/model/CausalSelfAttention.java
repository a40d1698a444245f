package io.sparkmoe.model;

import io.sparkmoe.routing.scores.Arrays2;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Causal multi-head self-attention without biases (MODEL.md): q, k, v = x·W{q,k,v}ᵀ (three GEMMs over all
 * B·T rows), RoPE on q and k, per sequence and head {@code P = softmax(q·kᵀ/√hd + mask)}, {@code a = P·v}, then
 * {@code out = concat(a)·Woᵀ}.
 *
 * <p>Backward per head: {@code dP = da·vᵀ}, {@code dv = Pᵀ·da}, softmax backward {@code dS_ij = P_ij(dP_ij − Σ_k P_ik dP_ik)},
 * {@code dq = dS·k/√hd}, {@code dk = dSᵀ·q/√hd}; RoPE is undone on dq, dk; the projections are GEMMs. The
 * per-head T×T part runs on plain arrays (masked entries are skipped); moving it to GEMMs is a speed matter.
 */
public final class CausalSelfAttention {

    private final Parameters params;
    private final String wq;
    private final String wk;
    private final String wv;
    private final String wo;
    private final int heads;
    private final Rope rope;
    private int batch;
    private int seqLen;
    private int d;
    private INDArray x;
    private INDArray concat;
    private double[] q;
    private double[] k;
    private double[] v;
    private double[][] probabilities;

    public CausalSelfAttention(Parameters params, String prefix, int heads, double ropeBase) {
        this.params = params;
        this.wq = prefix + "q_proj.weight";
        this.wk = prefix + "k_proj.weight";
        this.wv = prefix + "v_proj.weight";
        this.wo = prefix + "o_proj.weight";
        this.heads = heads;
        int d = (int) params.value(wq).rows();
        this.rope = new Rope(d / heads, ropeBase);
    }

    /** x: [B·T, d], sequences one after another. */
    public INDArray forward(INDArray input, int sequences, int tokensPerSequence) {
        x = input;
        batch = sequences;
        seqLen = tokensPerSequence;
        d = input.columns();
        int n = batch * seqLen;
        q = Arrays2.toDoubles(Linear.forward(x, params.value(wq)));
        k = Arrays2.toDoubles(Linear.forward(x, params.value(wk)));
        v = Arrays2.toDoubles(Linear.forward(x, params.value(wv)));
        rope.rotate(q, n, seqLen, d);
        rope.rotate(k, n, seqLen, d);
        int hd = d / heads;
        double scale = 1 / Math.sqrt(hd);
        double[] a = new double[n * d];
        probabilities = new double[batch * heads][];
        for (int b = 0; b < batch; b++) {
            for (int h = 0; h < heads; h++) {
                double[] p = new double[seqLen * seqLen];
                probabilities[b * heads + h] = p;
                for (int i = 0; i < seqLen; i++) {
                    int qi = (b * seqLen + i) * d + h * hd;
                    double max = Double.NEGATIVE_INFINITY;
                    for (int j = 0; j <= i; j++) {
                        p[i * seqLen + j] = dot(q, qi, k, (b * seqLen + j) * d + h * hd, hd) * scale;
                        max = Math.max(max, p[i * seqLen + j]);
                    }
                    double sum = 0;
                    for (int j = 0; j <= i; j++) {
                        p[i * seqLen + j] = Math.exp(p[i * seqLen + j] - max);
                        sum += p[i * seqLen + j];
                    }
                    for (int j = 0; j <= i; j++) {
                        p[i * seqLen + j] /= sum;
                        int vj = (b * seqLen + j) * d + h * hd;
                        for (int c = 0; c < hd; c++) {
                            a[qi + c] += p[i * seqLen + j] * v[vj + c];
                        }
                    }
                }
            }
        }
        concat = Arrays2.matrix(a, n, d, x.dataType());
        return Linear.forward(concat, params.value(wo));
    }

    public INDArray backward(INDArray dy) {
        int n = batch * seqLen;
        int hd = d / heads;
        double scale = 1 / Math.sqrt(hd);
        Linear.accumulateWeightGradient(params, wo, dy, concat);
        double[] da = Arrays2.toDoubles(Linear.inputGradient(dy, params.value(wo)));
        double[] dq = new double[n * d];
        double[] dk = new double[n * d];
        double[] dv = new double[n * d];
        double[] dp = new double[seqLen];
        for (int b = 0; b < batch; b++) {
            for (int h = 0; h < heads; h++) {
                double[] p = probabilities[b * heads + h];
                for (int i = 0; i < seqLen; i++) {
                    int qi = (b * seqLen + i) * d + h * hd;
                    double weighted = 0;
                    for (int j = 0; j <= i; j++) {
                        int vj = (b * seqLen + j) * d + h * hd;
                        dp[j] = dot(da, qi, v, vj, hd);
                        weighted += p[i * seqLen + j] * dp[j];
                        for (int c = 0; c < hd; c++) {
                            dv[vj + c] += p[i * seqLen + j] * da[qi + c];
                        }
                    }
                    for (int j = 0; j <= i; j++) {
                        double ds = p[i * seqLen + j] * (dp[j] - weighted) * scale;
                        int kj = (b * seqLen + j) * d + h * hd;
                        for (int c = 0; c < hd; c++) {
                            dq[qi + c] += ds * k[kj + c];
                            dk[kj + c] += ds * q[qi + c];
                        }
                    }
                }
            }
        }
        rope.rotateBack(dq, n, seqLen, d);
        rope.rotateBack(dk, n, seqLen, d);
        DataType type = x.dataType();
        INDArray dx = projectBack(wq, Arrays2.matrix(dq, n, d, type));
        dx.addi(projectBack(wk, Arrays2.matrix(dk, n, d, type)));
        dx.addi(projectBack(wv, Arrays2.matrix(dv, n, d, type)));
        return dx;
    }

    private INDArray projectBack(String weight, INDArray dOut) {
        Linear.accumulateWeightGradient(params, weight, dOut, x);
        return Linear.inputGradient(dOut, params.value(weight));
    }

    private static double dot(double[] a, int ao, double[] b, int bo, int len) {
        double s = 0;
        for (int c = 0; c < len; c++) {
            s += a[ao + c] * b[bo + c];
        }
        return s;
    }
}
