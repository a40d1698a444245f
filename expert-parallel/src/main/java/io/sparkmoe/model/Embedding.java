package io.sparkmoe.model;

import io.sparkmoe.routing.scores.Arrays2;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Token embedding {@code h = Embed[ids]} (no scaling, no position table). Backward scatters each row of dL/dh
 * into the row of its token (adding when a token repeats).
 */
public final class Embedding {

    private final Parameters params;
    private final String name;
    private int[] ids;

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
        double[] g = new double[(int) w.length()];
        double[] dv = Arrays2.toDoubles(dy);
        for (int t = 0; t < ids.length; t++) {
            for (int j = 0; j < d; j++) {
                g[ids[t] * d + j] += dv[t * d + j];
            }
        }
        params.accumulate(name, g);
    }
}
