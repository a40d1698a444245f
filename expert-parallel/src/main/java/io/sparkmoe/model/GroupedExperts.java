package io.sparkmoe.model;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.transforms.strict.Sigmoid;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The routed experts of one MoE layer run on gathered rows: all K kept (token, expert) rows sit in one buffer per
 * quantity, expert e's rows as one contiguous range, in the layer's data type (float32 when training). Buffers are
 * sized for the most rows the layer can see (tokens × slots) and reused across steps, grown only when a step needs
 * more; row counts per expert change every step, so per-expert arrays would otherwise be re-allocated every time.
 *
 * <p>Each expert's three forward and six backward products are one {@link Gemm} product on views of these buffers, into
 * column-major outputs (ND4J's fast path; see the stack notes): a and b as [n, f] column-major blocks, y and dx
 * written transposed ([d, n] column-major, which is [n, d] row-major in memory, so the caller reads all K rows in
 * one bulk copy). Because a, b, h and their gradients share one layout, SwiGLU and its backward are a few ND4J ops
 * over the first K·f values of whole buffers, not per-expert work. Weight gradients are GEMM'd straight into their
 * gradient buffers (beta = 1). The math is {@link SwiGlu}'s, which the reference layer uses.
 */
public final class GroupedExperts {

    private final Parameters params;
    private final String[] w1;
    private final String[] w3;
    private final String[] w2;
    private final StepClock clock;
    private final Buffers buffers = new Buffers();
    private DataType type;
    private int capacity;
    private int d;
    private int f;
    /** Rows [K, d] row-major: gathered inputs, weighted output gradients. */
    private INDArray xs;
    private INDArray dys;
    /** [K, d] row-major, written as per-expert [d, n] column-major blocks: outputs, input gradients. */
    private INDArray ys;
    private INDArray dxs;
    /** Per-expert [n, f] column-major blocks: a (then silu(a)), b (then b·dh), σ(a), h (then db), dh (then da). */
    private INDArray a;
    private INDArray b;
    private INDArray s;
    private INDArray h;
    private INDArray dh;
    private int[] counts;
    private int rows;

    /** prefix: {@code model.layers.{i}.block_sparse_moe.}; experts {@code experts.{e}.w1/w3/w2.weight}. */
    GroupedExperts(Parameters params, String prefix, int experts, StepClock clock) {
        this(params, prefix, java.util.stream.IntStream.range(0, experts).toArray(), clock);
    }

    /**
     * Only the experts {@code ids} (a rank of an expert-parallel run holds a few): {@code counts[i]} of
     * {@link #forward} are the rows of expert {@code ids[i]}.
     */
    public GroupedExperts(Parameters params, String prefix, int[] ids, StepClock clock) {
        this.params = params;
        this.clock = clock;
        w1 = new String[ids.length];
        w3 = new String[ids.length];
        w2 = new String[ids.length];
        for (int i = 0; i < ids.length; i++) {
            w1[i] = prefix + "experts." + ids[i] + ".w1.weight";
            w3[i] = prefix + "experts." + ids[i] + ".w3.weight";
            w2[i] = prefix + "experts." + ids[i] + ".w2.weight";
        }
    }

    /**
     * Runs expert e on its {@code counts[e]} consecutive rows of {@code gathered} (row-major [K, d] values) and
     * returns their outputs, row-major [K, d], in an array overwritten by the next call.
     *
     * @param maxRows the most rows this layer can need (tokens × slots): the buffers' capacity
     */
    public double[] forward(double[] gathered, int[] counts, int d, DataType type, int maxRows, double[] out) {
        this.counts = counts;
        this.rows = 0;
        for (int c : counts) {
            rows += c;
        }
        ensureCapacity(type, d, maxRows);
        if (rows == 0) {
            // A rank of an expert-parallel run may receive no row at all; ND4J refuses element-wise ops on the
            // empty views below, and there is nothing to compute.
            return Buffers.ensure(out, 0);
        }
        long t0 = System.nanoTime();
        buffers.writeRaw(gathered, xs, rows * d);
        t0 = clock.lap(StepClock.DISPATCH, t0);
        int start = 0;
        for (int e = 0; e < counts.length; e++) {
            int n = counts[e];
            if (n > 0) {
                INDArray x = rowMajor(xs, start, n, d);
                Gemm.gemm(x, params.value(w1[e]), columnMajor(a, (long) start * f, n, f), false, true, 1.0, 0.0);
                Gemm.gemm(x, params.value(w3[e]), columnMajor(b, (long) start * f, n, f), false, true, 1.0, 0.0);
            }
            start += n;
        }
        INDArray aK = prefix(a, rows * f);
        INDArray sK = prefix(s, rows * f);
        Nd4j.exec(new Sigmoid(aK, sK));
        aK.muli(sK);
        aK.mul(prefix(b, rows * f), prefix(h, rows * f));
        start = 0;
        for (int e = 0; e < counts.length; e++) {
            int n = counts[e];
            if (n > 0) {
                Gemm.gemm(params.value(w2[e]), columnMajor(h, (long) start * f, n, f), columnMajor(ys, (long) start * d, d, n),
                        false, true, 1.0, 0.0);
            }
            start += n;
        }
        double[] y = Buffers.ensure(out, rows * d);
        buffers.readRaw(ys, y, rows * d);
        clock.lap(StepClock.EXPERTS, t0);
        return y;
    }

    /**
     * Given the weighted output gradients of the last forward's rows (row-major [K, d]), accumulates the experts'
     * weight gradients and returns dL/d(rows), row-major [K, d], in {@code out} (grown if too small).
     */
    public double[] backward(double[] dyRows, double[] out) {
        if (rows == 0) {
            return Buffers.ensure(out, 0);  // no rows forward: no weight gradient, no input gradient
        }
        long t0 = System.nanoTime();
        buffers.writeRaw(dyRows, dys, rows * d);
        t0 = clock.lap(StepClock.DISPATCH, t0);
        int start = 0;
        for (int e = 0; e < counts.length; e++) {
            int n = counts[e];
            if (n > 0) {
                INDArray dy = rowMajor(dys, start, n, d);
                Linear.accumulateWeightGradient(params, w2[e], dy, columnMajor(h, (long) start * f, n, f));
                Gemm.gemm(dy, params.value(w2[e]), columnMajor(dh, (long) start * f, n, f), false, false, 1.0, 0.0);
            }
            start += n;
        }
        int nf = rows * f;
        INDArray silu = prefix(a, nf);
        INDArray sigma = prefix(s, nf);
        INDArray dhK = prefix(dh, nf);
        INDArray bK = prefix(b, nf);
        dhK.mul(silu, prefix(h, nf));          // db = dh ⊙ silu(a)
        bK.muli(dhK);                          // b ⊙ dh
        silu.mul(sigma, dhK).rsubi(silu).addi(sigma).muli(bK); // da = dh ⊙ b ⊙ (σ + silu − silu·σ)
        start = 0;
        for (int e = 0; e < counts.length; e++) {
            int n = counts[e];
            if (n > 0) {
                INDArray x = rowMajor(xs, start, n, d);
                INDArray da = columnMajor(dh, (long) start * f, n, f);
                INDArray db = columnMajor(h, (long) start * f, n, f);
                Linear.accumulateWeightGradient(params, w1[e], da, x);
                Linear.accumulateWeightGradient(params, w3[e], db, x);
                INDArray dxT = columnMajor(dxs, (long) start * d, d, n);
                Gemm.gemm(params.value(w1[e]), da, dxT, true, true, 1.0, 0.0);
                Gemm.gemm(params.value(w3[e]), db, dxT, true, true, 1.0, 1.0);
            }
            start += n;
        }
        double[] dx = Buffers.ensure(out, rows * d);
        buffers.readRaw(dxs, dx, rows * d);
        clock.lap(StepClock.EXPERTS, t0);
        return dx;
    }

    private void ensureCapacity(DataType type, int d, int maxRows) {
        int f = (int) params.value(w1[0]).rows();
        if (type == this.type && d == this.d && f == this.f && maxRows <= capacity) {
            return;
        }
        this.type = type;
        this.d = d;
        this.f = f;
        this.capacity = Math.max(maxRows, 1);
        long rowsD = (long) capacity * d;
        long rowsF = (long) capacity * f;
        xs = Nd4j.createUninitialized(type, rowsD);
        dys = Nd4j.createUninitialized(type, rowsD);
        ys = Nd4j.createUninitialized(type, rowsD);
        dxs = Nd4j.createUninitialized(type, rowsD);
        a = Nd4j.createUninitialized(type, rowsF);
        b = Nd4j.createUninitialized(type, rowsF);
        s = Nd4j.createUninitialized(type, rowsF);
        h = Nd4j.createUninitialized(type, rowsF);
        dh = Nd4j.createUninitialized(type, rowsF);
    }

    /** Rows [start, start + n) of a row-major [capacity, cols] buffer. */
    private static INDArray rowMajor(INDArray buffer, int start, int n, int cols) {
        return Nd4j.create(buffer.data(), new long[]{n, cols}, new long[]{cols, 1}, (long) start * cols, 'c');
    }

    /** A contiguous [r, c] column-major block starting at value {@code offset}. */
    private static INDArray columnMajor(INDArray buffer, long offset, int r, int c) {
        return Nd4j.create(buffer.data(), new long[]{r, c}, new long[]{1, r}, offset, 'f');
    }

    /** The first n values of a flat buffer. */
    private static INDArray prefix(INDArray buffer, int n) {
        return Nd4j.create(buffer.data(), new long[]{n}, new long[]{1}, 0, 'c');
    }
}
