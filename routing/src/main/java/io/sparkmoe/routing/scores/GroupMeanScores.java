package io.sparkmoe.routing.scores;

import java.util.Map;

import io.sparkmoe.routing.RouterGradients;
import io.sparkmoe.routing.RouterParameters;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * LocMoE's GrAP gate (Li et al., "LocMoE", arXiv 2401.13920): s_te = mean of the e-th of E contiguous groups
 * of d/E features, i.e. a fixed gate whose vectors are orthogonal group indicators. No parameters; the
 * input still gets a gradient, dL/dx_{t,i} = dL/ds_{t,e(i)} / (d/E). Computed as the linear gate with the
 * fixed matrix G [E, d], G_{e,i} = 1/(d/E) on group e: one GEMM each way, faster than a strided mean.
 */
public final class GroupMeanScores implements ScoreFunction {

    private final int experts;
    private final int hidden;
    private final java.util.Map<DataType, LinearScores> gates = new java.util.EnumMap<>(DataType.class);

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

    /** The fixed gate in x's data type (built once per type). */
    private LinearScores gate(DataType type) {
        return gates.computeIfAbsent(type, t -> {
            int g = hidden / experts;
            double[] m = new double[experts * hidden];
            for (int e = 0; e < experts; e++) {
                for (int i = e * g; i < (e + 1) * g; i++) {
                    m[e * hidden + i] = 1.0 / g;
                }
            }
            return new LinearScores(Arrays2.matrix(m, experts, hidden, t));
        });
    }

    @Override
    public Scores forward(INDArray x) {
        return gate(x.dataType()).forward(x);
    }

    @Override
    public RouterGradients backward(INDArray x, Scores scores, double[] scoreGradient) {
        return new RouterGradients(gate(x.dataType()).backward(x, scores, scoreGradient).input(), Map.of());
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
