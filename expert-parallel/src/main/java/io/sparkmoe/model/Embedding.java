package io.sparkmoe.model;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Token embedding {@code h = Embed[ids]} (no scaling, no position table). Backward scatters each row of dL/dh
 * into the row of its token (adding when a token repeats).
 */
public final class Embedding {

    private final Parameters params;
    private final String name;
    private final Buffers buffers = new Buffers();
    private int[] ids;
    private double[] g;
    private double[] dv;

    public Embedding(Parameters params, String name) {
        this.params = params;
        this.name = name;
    }

    /** ids (flattened [N]) → [N, d]. */
    public INDArray forward(int[] tokenIds) {
        ids = tokenIds.clone();
        return params.value(name).getRows(ids);
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
