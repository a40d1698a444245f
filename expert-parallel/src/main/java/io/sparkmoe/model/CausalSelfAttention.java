package io.sparkmoe.model;

import io.sparkmoe.routing.scores.Arrays2;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.CustomOp;
import org.nd4j.linalg.api.ops.impl.transforms.custom.SoftMax;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * Causal multi-head self-attention without biases (MODEL.md): q, k, v = x·W{q,k,v}ᵀ, RoPE on q and k, per sequence and
 * head {@code P = softmax(q·kᵀ/√hd + mask)}, {@code a = P·v}, then {@code out = concat(a)·Woᵀ}.
 *
 * <p>Backward per head: {@code dP = da·vᵀ}, {@code dv = Pᵀ·da}, softmax backward {@code dS_ij = P_ij(dP_ij − Σ_k P_ik dP_ik)},
 * {@code dq = dS·k/√hd}, {@code dk = dSᵀ·q/√hd}; RoPE is undone on dq, dk; the projections are GEMMs.
 *
 * <p>Layout: q, k, v, the heads' outputs and their gradients live per sequence, feature-major
 * ({@link SequenceColumns}), where every per-head [T, hd] operand is a contiguous column-major matrix. So the
 * projections are one {@link Gemm} product per sequence written straight into that layout, the T×T products one per head
 * (scores and their gradients computed transposed into the row-major stacks the softmax works on, see
 * {@link HeadBatch}), and no activation is copied between layouts; only RoPE reads q, k (dq, dk) into Java and back.
 * The mask, softmax and softmax backward are a few whole-batch ops; the masked half is computed and thrown away.
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
    private SequenceColumns q;
    private SequenceColumns k;
    private SequenceColumns v;
    private SequenceColumns concat;
    private SequenceColumns headGradient;
    private SequenceColumns valueGradient;
    private SequenceColumns queryGradient;
    private SequenceColumns keyGradient;
    private HeadBatch probabilities;
    private HeadBatch probabilityGradient;
    private INDArray mask;
    private double[] ropeValues;
    private final ScratchArray output = new ScratchArray('c');
    private final ScratchArray inputGradient = new ScratchArray('c');
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

    /** x: [B·T, d], sequences one after another. Returns [B·T, d] row-major (reused by the next forward). */
    public INDArray forward(INDArray input, int sequences, int tokensPerSequence) {
        long start = System.nanoTime();
        INDArray out = forwardUntimed(input, sequences, tokensPerSequence);
        clock.lap(StepClock.ATTENTION, start);
        return out;
    }

    /** dL/dx [B·T, d] row-major of dL/dout (reused by the next backward). */
    public INDArray backward(INDArray dy) {
        long start = System.nanoTime();
        INDArray dx = backwardUntimed(dy);
        clock.lap(StepClock.ATTENTION, start);
        return dx;
    }

    /**
     * Inference only: the n rows of {@code input} [n, d] are the positions {@code first..first+n-1} of one sequence
     * whose earlier keys and values are in {@code cache} (first = positions cached). Projects them with the same
     * weights and {@link Rope} as {@link #forward}, appends their keys and values to the cache, and attends causally
     * over the cached prefix. Touches none of the training path's buffers. Returns a new [n, d] array.
     */
    INDArray forwardCached(INDArray input, KeyValueCache.Layer cache, int first) {
        long start = System.nanoTime();
        int n = input.rows();
        int dim = input.columns();
        int hd = dim / heads;
        int total = first + n;
        double[] qT = projectTransposed(wq, input, first);    // [d][n]: one sequence feature-major, as rope reads it
        double[] kT = projectTransposed(wk, input, first);
        double[] vT = Arrays2.toDoubles(params.value(wv).mmul(input.transpose()).dup('c'));
        for (int j = 0; j < dim; j++) {
            for (int t = 0; t < n; t++) {
                cache.keys[(first + t) * dim + j] = kT[j * n + t];
                cache.values[(first + t) * dim + j] = vT[j * n + t];
            }
        }
        double scale = 1 / Math.sqrt(hd);
        double[] attended = new double[n * dim];
        double[] p = new double[total];
        for (int t = 0; t < n; t++) {
            int visible = first + t + 1;
            for (int h0 = 0; h0 < dim; h0 += hd) {
                double max = Double.NEGATIVE_INFINITY;
                for (int s = 0; s < visible; s++) {
                    double dot = 0;
                    for (int i = 0; i < hd; i++) {
                        dot += qT[(h0 + i) * n + t] * cache.keys[s * dim + h0 + i];
                    }
                    p[s] = dot * scale;
                    max = Math.max(max, p[s]);
                }
                double sum = 0;
                for (int s = 0; s < visible; s++) {
                    p[s] = Math.exp(p[s] - max);
                    sum += p[s];
                }
                for (int s = 0; s < visible; s++) {
                    double w = p[s] / sum;
                    for (int i = 0; i < hd; i++) {
                        attended[t * dim + h0 + i] += w * cache.values[s * dim + h0 + i];
                    }
                }
            }
        }
        INDArray concatRows = Arrays2.matrix(attended, n, dim, input.dataType());
        INDArray out = concatRows.mmul(params.value(wo).transpose());
        clock.lap(StepClock.ATTENTION, start);
        return out;
    }

    /** {@code W·xᵀ} [d, n] as doubles, feature-major, with RoPE at positions first.. applied in place. */
    private double[] projectTransposed(String weight, INDArray input, int first) {
        double[] values = Arrays2.toDoubles(params.value(weight).mmul(input.transpose()).dup('c'));
        rope.rotateFrom(values, input.rows(), input.columns(), first);
        return values;
    }

    private INDArray forwardUntimed(INDArray input, int sequences, int tokensPerSequence) {
        x = input;
        batch = sequences;
        seqLen = tokensPerSequence;
        d = input.columns();
        int hd = d / heads;
        DataType type = x.dataType();
        q = project(wq, q);
        k = project(wk, k);
        v = project(wv, v);
        rotate(q, false);
        rotate(k, false);
        probabilities = HeadBatch.reuse(probabilities, type, batch * heads, seqLen, seqLen);
        HeadBatch.product(k.heads(), false, q.heads(), true, probabilities.transposed(), 1 / Math.sqrt(hd));  // Sᵀ = k·qᵀ
        INDArray scores = probabilities.all.reshape('c', batch * heads, (long) seqLen * seqLen);
        scores.addiRowVector(causalMask(type));
        INDArray rows = probabilities.rows();
        Nd4j.exec((CustomOp) new SoftMax(rows, rows, 1));
        concat = layout(concat);
        HeadBatch.product(probabilities.slices(), false, v.heads(), false, concat.heads(), 1);
        INDArray out = output.get(type, (long) batch * seqLen, d);
        for (int b = 0; b < batch; b++) {
            Gemm.gemm(params.value(wo), concat.sequence(b), sequenceRows(out, b).transpose(), false, true, 1.0, 0.0);
        }
        return out;
    }

    private INDArray backwardUntimed(INDArray dy) {
        int hd = d / heads;
        DataType type = x.dataType();
        double scale = 1 / Math.sqrt(hd);
        INDArray woValue = params.value(wo);
        INDArray woGradient = params.gradient(wo);
        SequenceColumns da = headGradient = layout(headGradient);
        for (int b = 0; b < batch; b++) {
            INDArray dyb = sequenceRows(dy, b);
            Gemm.gemm(dyb, concat.sequence(b), woGradient, true, false, 1.0, 1.0);
            Gemm.gemm(dyb, woValue, da.sequence(b), false, false, 1.0, 0.0);
        }
        SequenceColumns dv = valueGradient = layout(valueGradient);
        HeadBatch.product(probabilities.slices(), true, da.heads(), false, dv.heads(), 1);
        HeadBatch dp = probabilityGradient = HeadBatch.reuse(probabilityGradient, type, batch * heads, seqLen, seqLen);
        HeadBatch.product(v.heads(), false, da.heads(), true, dp.transposed(), 1);             // dPᵀ = v·daᵀ
        // softmax backward, row by row: dS = P ⊙ (dP − Σ_j P⊙dP); masked entries have P = 0, hence dS = 0
        INDArray p = probabilities.rows();
        INDArray dpRows = dp.rows();
        INDArray product = p.mul(dpRows, softmaxProduct.get(type, p.rows(), p.columns()));
        INDArray weighted = product.sum(softmaxRowSums.get(type, p.rows(), 1), true, 1);
        dpRows.subiColumnVector(weighted).muli(p);
        SequenceColumns dq = queryGradient = layout(queryGradient);
        HeadBatch.product(dp.slices(), false, k.heads(), false, dq.heads(), scale);
        SequenceColumns dk = keyGradient = layout(keyGradient);
        HeadBatch.product(dp.slices(), true, q.heads(), false, dk.heads(), scale);
        rotate(dq, true);
        rotate(dk, true);
        INDArray dx = inputGradient.get(type, (long) batch * seqLen, d);
        projectBack(wq, dq, dx, 0.0);
        projectBack(wk, dk, dx, 1.0);
        projectBack(wv, dv, dx, 1.0);
        return dx;
    }

    private SequenceColumns layout(SequenceColumns reuse) {
        return SequenceColumns.reuse(reuse, x.dataType(), batch, seqLen, d, heads);
    }

    /** Rows of sequence b of a [B·T, d] array (a view). */
    private INDArray sequenceRows(INDArray a, int b) {
        return a.get(NDArrayIndex.interval((long) b * seqLen, (long) (b + 1) * seqLen), NDArrayIndex.all());
    }

    /** {@code x·Wᵀ} per sequence, into the per-sequence feature-major layout. */
    private SequenceColumns project(String weight, SequenceColumns reuse) {
        SequenceColumns out = layout(reuse);
        INDArray w = params.value(weight);
        for (int b = 0; b < batch; b++) {
            Gemm.gemm(sequenceRows(x, b), w, out.sequence(b), false, true, 1.0, 0.0);
        }
        return out;
    }

    /** RoPE in place on q or k (back: its transpose, on dq or dk), through one bulk copy each way. */
    private void rotate(SequenceColumns c, boolean back) {
        int n = (int) c.all.length();
        double[] values = ropeValues = Buffers.ensure(ropeValues, n);
        buffers.readRaw(c.all, values);
        if (back) {
            rope.rotateSequencesBack(values, batch, seqLen, d);
        } else {
            rope.rotateSequences(values, batch, seqLen, d);
        }
        buffers.writeRaw(values, c.all);
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

    /**
     * Accumulates dW of one input projection, {@code Σ_b dOut_bᵀ·x_b}, and adds (beta = 1) or writes (beta = 0) its
     * dL/dx, {@code dOut_b·W}, into dx (computed transposed, {@code Wᵀ·dOut_bᵀ}, into the row-major rows of dx).
     */
    private void projectBack(String weight, SequenceColumns dOut, INDArray dx, double beta) {
        INDArray w = params.value(weight);
        INDArray dw = params.gradient(weight);
        for (int b = 0; b < batch; b++) {
            Gemm.gemm(dOut.sequence(b), sequenceRows(x, b), dw, true, false, 1.0, 1.0);
            Gemm.gemm(w, dOut.sequence(b), sequenceRows(dx, b).transpose(), true, true, 1.0, beta);
        }
    }
}
