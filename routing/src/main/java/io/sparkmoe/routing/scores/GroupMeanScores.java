package io.sparkmoe.routing.scores;

import java.util.Map;

import io.sparkmoe.routing.RouterGradients;
import io.sparkmoe.routing.RouterParameters;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * LocMoE's GrAP gate (Li et al., "LocMoE", arXiv 2401.13920): s_te = mean of the e-th of E contiguous groups
 * of d/E features, i.e. a fixed gate whose vectors are orthogonal group indicators. No parameters; the
 * input still gets a gradient, dL/dx_{t,i} = dL/ds_{t,e(i)} / (d/E).
 */
public final class GroupMeanScores implements ScoreFunction {

    private final int experts;
    private final int hidden;

    public GroupMeanScores(int experts, int hidden) {
        if (hidden % experts != 0) {
            throw new IllegalArgumentException("grap needs the hidden size (" + hidden + ") divisible by the experts ("
                    + experts + ")");
        }
        this.experts = experts;
        this.hidden = hidden;
    }

    @Override
    public int experts() {
        return experts;
    }

    @Override
    public void register(RouterParameters parameters) {
        // no tensors
    }

    @Override
    public Scores forward(INDArray x) {
        int n = (int) x.rows();
        INDArray means = Arrays2.rowMajor(x).reshape('c', n, experts, hidden / experts).mean(2);
        return new Scores(Arrays2.toDoubles(means.castTo(DataType.DOUBLE)), n, experts, null);
    }

    @Override
    public RouterGradients backward(INDArray x, Scores scores, double[] scoreGradient) {
        int n = scores.tokens();
        int g = hidden / experts;
        double[] dx = new double[n * hidden];
        for (int t = 0; t < n; t++) {
            for (int i = 0; i < hidden; i++) {
                dx[t * hidden + i] = scoreGradient[t * experts + i / g] / g;
            }
        }
        return new RouterGradients(Arrays2.matrix(dx, n, hidden, x.dataType()), Map.of());
    }

    @Override
    public double[] gateCosines(INDArray x, Scores scores) {
        double[] xNorm = x.norm2(1).castTo(DataType.DOUBLE).toDoubleVector();
        double[] unit = new double[experts];
        java.util.Arrays.fill(unit, 1.0);
        return CosineOfScores.cosines(scores, xNorm, unit, Math.sqrt(hidden / (double) experts));
    }

    @Override
    public int gateDimension() {
        return hidden;
    }
}
