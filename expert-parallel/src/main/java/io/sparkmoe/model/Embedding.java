package io.sparkmoe.model;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Token embedding {@code h = Embed[ids]} (no scaling, no position table). Backward scatters each row of dL/dh
 * into the row of its token (adding when a token repeats).
 */
public final class Embedding {

    private final Parameters params;
    private final String name;
    private final Buffers buffers = new Buffers();
    private final ScratchArray output = new ScratchArray('c');
    private int[] ids;
    private double[] g;
    private double[] dv;

    public Embedding(Parameters params, String name) {
        this.params = params;
        this.name = name;
    }

    /** ids (flattened [N]) → [N, d] row-major (reused by the next forward). */
    public INDArray forward(int[] tokenIds) {
        ids = tokenIds.clone();
        INDArray w = params.value(name);
        return gather(w, output.get(w.dataType(), ids.length, w.columns()), ids);
    }

    /** Inference only: the rows of {@code tokenIds} into a new array, keeping nothing for a backward. */
    INDArray lookup(int[] tokenIds) {
        INDArray w = params.value(name);
        return gather(w, Nd4j.createUninitialized(w.dataType(), tokenIds.length, w.columns()), tokenIds);
    }

    /** One native gather (getRows makes a view and a copy op per row: ~2,000 JNI calls at batch 8 × 256). */
    private static INDArray gather(INDArray w, INDArray out, int[] tokenIds) {
        requireInVocabulary(tokenIds, (int) w.rows());
        return Nd4j.pullRows(w, out, 1, tokenIds);
    }

    /** Fails naming the first token id outside [0, vocab) (the native gather's own error names neither). */
    public static void requireInVocabulary(int[] tokens, int vocab) {
        for (int t : tokens) {
            if (t < 0 || t >= vocab) {
                throw new IllegalArgumentException("token id " + t + " is outside the vocabulary [0, " + vocab + ")");
            }
        }
    }

    public void backward(INDArray dy) {
        INDArray w = params.value(name);
        int d = (int) w.columns();
        INDArray gradient = params.gradient(name);
        g = Buffers.ensure(g, (int) w.length());
        dv = Buffers.ensure(dv, ids.length * d);
        buffers.read(gradient, g);
        buffers.read(dy, dv);
        for (int t = 0; t < ids.length; t++) {
            for (int j = 0; j < d; j++) {
                g[ids[t] * d + j] += dv[t * d + j];
            }
        }
        buffers.write(g, gradient);
    }
}
