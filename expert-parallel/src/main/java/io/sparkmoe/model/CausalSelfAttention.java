package io.sparkmoe.model;

import io.sparkmoe.routing.scores.Arrays2;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.CustomOp;
import org.nd4j.linalg.api.ops.impl.transforms.custom.SoftMax;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Causal multi-head self-attention without biases (MODEL.md): q, k, v = x·W{q,k,v}ᵀ (three GEMMs over all
 * B·T rows), RoPE on q and k, per sequence and head {@code P = softmax(q·kᵀ/√hd + mask)}, {@code a = P·v}, then
 * {@code out = concat(a)·Woᵀ}.
 *
 * <p>Backward per head: {@code dP = da·vᵀ}, {@code dv = Pᵀ·da}, softmax backward {@code dS_ij = P_ij(dP_ij − Σ_k P_ik dP_ik)},
 * {@code dq = dS·k/√hd}, {@code dk = dSᵀ·q/√hd}; RoPE is undone on dq, dk; the projections are GEMMs.
 *
 * <p>The T×T part is GEMMs too: q, k, v are laid out once per step as contiguous per-(sequence, head) [T, hd]
 * matrices ({@link HeadBatch}), so scores, P·v and the four backward products are one {@code Nd4j.gemm} each per
 * head written into reused buffers, and the mask, softmax and softmax backward are a few whole-batch ops. The
 * masked half is computed and thrown away: cheaper than thousands of small dot products on the Java side.
 */
public final class CausalSelfAttention {

    private final Parameters params;
    private final String wq;
    private final String wk;
    private final String wv;
    private final String wo;
    private final int heads;
    private final Rope rope;
    private final StepClock clock;
    private int batch;
    private int seqLen;
    private int d;
    private INDArray x;
    private INDArray concat;
    private HeadBatch q;
    private HeadBatch k;
    private HeadBatch v;
    private HeadBatch probabilities;
    private HeadBatch probabilityGradient;
    private HeadBatch headOut;
    private INDArray mask;
    private HeadBatch headGradient;
    private HeadBatch valueGradient;
    private HeadBatch queryGradient;
    private HeadBatch keyGradient;
    private double[] rowValues;
    private double[] headValues;
    private final ScratchArray projected = new ScratchArray('f');
    private final ScratchArray output = new ScratchArray('f');
    private final ScratchArray inputGradient = new ScratchArray('f');
    private final ScratchArray concatIn = new ScratchArray('c');
    private final ScratchArray rowGradient = new ScratchArray('c');
    private final ScratchArray softmaxProduct = new ScratchArray('c');
    private final ScratchArray softmaxRowSums = new ScratchArray('c');
    private final Buffers buffers = new Buffers();

    public CausalSelfAttention(Parameters params, String prefix, int heads, double ropeBase) {
        this(params, prefix, heads, ropeBase, new StepClock());
    }

    /** clock: where forward and backward add their time ({@link StepClock#ATTENTION}). */
    public CausalSelfAttention(Parameters params, String prefix, int heads, double ropeBase, StepClock clock) {
        this.clock = clock;
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
        long start = System.nanoTime();
        INDArray out = forwardUntimed(input, sequences, tokensPerSequence);
        clock.lap(StepClock.ATTENTION, start);
        return out;
    }

    public INDArray backward(INDArray dy) {
        long start = System.nanoTime();
        INDArray dx = backwardUntimed(dy);
        clock.lap(StepClock.ATTENTION, start);
        return dx;
    }

    private INDArray forwardUntimed(INDArray input, int sequences, int tokensPerSequence) {
        x = input;
        batch = sequences;
        seqLen = tokensPerSequence;
        d = input.columns();
        int n = batch * seqLen;
        int hd = d / heads;
        DataType type = x.dataType();
        int count = batch * heads;
        q = toHeads(Linear.forward(x, params.value(wq), projected), true, q);
        k = toHeads(Linear.forward(x, params.value(wk), projected), true, k);
        v = toHeads(Linear.forward(x, params.value(wv), projected), false, v);
        probabilities = HeadBatch.reuse(probabilities, type, count, seqLen, seqLen);
        probabilities.product(q, false, k, true, 1 / Math.sqrt(hd));
        INDArray scores = probabilities.all.reshape('c', count, (long) seqLen * seqLen);
        scores.addiRowVector(causalMask(type));
        INDArray rows = probabilities.rows();
        Nd4j.exec((CustomOp) new SoftMax(rows, rows, 1));
        headOut = HeadBatch.reuse(headOut, type, count, seqLen, hd);
        headOut.product(probabilities, false, v, false, 1);
        concat = fromHeads(headOut, false, n, concatIn);
        return Linear.forward(concat, params.value(wo), output);
    }

    private INDArray backwardUntimed(INDArray dy) {
        int n = batch * seqLen;
        int hd = d / heads;
        int count = batch * heads;
        DataType type = x.dataType();
        double scale = 1 / Math.sqrt(hd);
        Linear.accumulateWeightGradient(params, wo, dy, concat);
        HeadBatch da = headGradient = toHeads(Linear.inputGradient(dy, params.value(wo), projected), false, headGradient);
        HeadBatch dv = valueGradient = HeadBatch.reuse(valueGradient, type, count, seqLen, hd);
        dv.product(probabilities, true, da, false, 1);
        HeadBatch dp = HeadBatch.reuse(probabilityGradient, type, count, seqLen, seqLen);
        probabilityGradient = dp;
        dp.product(da, false, v, true, 1);
        // softmax backward, row by row: dS = P ⊙ (dP − Σ_j P⊙dP); masked entries have P = 0, hence dS = 0
        INDArray p = probabilities.rows();
        INDArray dpRows = dp.rows();
        INDArray product = p.mul(dpRows, softmaxProduct.get(type, p.rows(), p.columns()));
        INDArray weighted = product.sum(softmaxRowSums.get(type, p.rows(), 1), true, 1);
        dpRows.subiColumnVector(weighted).muli(p);
        HeadBatch dq = queryGradient = HeadBatch.reuse(queryGradient, type, count, seqLen, hd);
        dq.product(dp, false, k, false, scale);
        HeadBatch dk = keyGradient = HeadBatch.reuse(keyGradient, type, count, seqLen, hd);
        dk.product(dp, true, q, false, scale);
        INDArray dx = inputGradient.get(type, n, d);
        projectBack(wq, fromHeads(dq, true, n, rowGradient), dx, 0.0);
        projectBack(wk, fromHeads(dk, true, n, rowGradient), dx, 1.0);
        projectBack(wv, fromHeads(dv, false, n, rowGradient), dx, 1.0);
        return dx;
    }

    /** [B·T, d] row-major → per (sequence, head) [T, hd] matrices, RoPE applied first when asked. */
    private HeadBatch toHeads(INDArray rows, boolean rotate, HeadBatch reuse) {
        int n = batch * seqLen;
        int hd = d / heads;
        double[] flat = rowValues = Buffers.ensure(rowValues, n * d);
        buffers.read(rows, flat);
        if (rotate) {
            rope.rotate(flat, n, seqLen, d);
        }
        double[] out = headValues = Buffers.ensure(headValues, n * d);
        for (int row = 0; row < n; row++) {
            int b = row / seqLen;
            int t = row % seqLen;
            for (int h = 0; h < heads; h++) {
                System.arraycopy(flat, row * d + h * hd, out, ((b * heads + h) * seqLen + t) * hd, hd);
            }
        }
        HeadBatch hb = HeadBatch.reuse(reuse, rows.dataType(), batch * heads, seqLen, hd);
        buffers.write(out, hb.all);
        return hb;
    }

    /** The inverse of {@link #toHeads}: per-head matrices back to [B·T, d], RoPE undone when asked. */
    private INDArray fromHeads(HeadBatch hb, boolean rotateBack, int n, ScratchArray into) {
        int hd = d / heads;
        double[] flat = headValues = Buffers.ensure(headValues, n * d);
        buffers.read(hb.all, flat);
        double[] out = rowValues = Buffers.ensure(rowValues, n * d);
        for (int row = 0; row < n; row++) {
            int b = row / seqLen;
            int t = row % seqLen;
            for (int h = 0; h < heads; h++) {
                System.arraycopy(flat, ((b * heads + h) * seqLen + t) * hd, out, row * d + h * hd, hd);
            }
        }
        if (rotateBack) {
            rope.rotateBack(out, n, seqLen, d);
        }
        INDArray rows = into.get(hb.all.dataType(), n, d);
        buffers.write(out, rows);
        return rows;
    }

    /** [1, T·T]: 0 where key j ≤ query i, −∞ above the diagonal (cached per length and type). */
    private INDArray causalMask(DataType type) {
        if (mask == null || mask.dataType() != type || mask.length() != (long) seqLen * seqLen) {
            double[] m = new double[seqLen * seqLen];
            for (int i = 0; i < seqLen; i++) {
                for (int j = i + 1; j < seqLen; j++) {
                    m[i * seqLen + j] = Double.NEGATIVE_INFINITY;
                }
            }
            mask = Arrays2.matrix(m, 1, m.length, type);
        }
        return mask;
    }

    /** Accumulates dW of one input projection and adds (beta = 1) or writes (beta = 0) its dL/dx into dx. */
    private void projectBack(String weight, INDArray dOut, INDArray dx, double beta) {
        Linear.accumulateWeightGradient(params, weight, dOut, x);
        Nd4j.gemm(dOut, params.value(weight), dx, false, false, 1.0, beta);
    }
}
