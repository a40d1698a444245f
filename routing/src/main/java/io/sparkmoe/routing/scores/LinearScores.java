package io.sparkmoe.routing.scores;

import java.util.Map;

import io.sparkmoe.routing.RouterGradients;
import io.sparkmoe.routing.RouterParameters;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The linear gate {@code s = x·Wrᵀ}, {@code Wr: [E, d]} (GShard, Switch, Mixtral, DeepSeek-V3). One GEMM per
 * call, computed as {@code sᵀ = Wr·xᵀ} into a column-major [E, N] result: that buffer is already s in
 * row-major [N, E] order, and GEMM into a column-major result avoids ND4J's extra copy (STACK-NOTES).
 */
public final class LinearScores implements ScoreFunction {

    public static final String WEIGHT = "gate.weight";

    private final INDArray weight;

    public LinearScores(INDArray weight) {
        this.weight = weight;
    }

    @Override
    public int experts() {
        return weight.rows();
    }

    @Override
    public void register(RouterParameters parameters) {
        parameters.learned(WEIGHT, weight);
    }

    @Override
    public Scores forward(INDArray x) {
        INDArray xc = Arrays2.rowMajor(x.dataType() == weight.dataType() ? x : x.castTo(weight.dataType()));
        int n = xc.rows();
        INDArray st = Nd4j.createUninitialized(weight.dataType(), new long[]{weight.rows(), n}, 'f');
        Nd4j.gemm(weight, xc, st, false, true, 1.0, 0.0);
        return new Scores(st.data().asDouble(), n, experts(), null);
    }

    /** dWr = dsᵀ·x and dx = ds·Wr, each one GEMM into a column-major result. */
    @Override
    public RouterGradients backward(INDArray x, Scores scores, double[] scoreGradient) {
        INDArray ds = Arrays2.matrix(scoreGradient, scores.tokens(), scores.experts(), weight.dataType());
        INDArray xc = Arrays2.rowMajor(x.dataType() == weight.dataType() ? x : x.castTo(weight.dataType()));
        INDArray dW = Nd4j.createUninitialized(weight.dataType(), weight.shape(), 'f');
        Nd4j.gemm(ds, xc, dW, true, false, 1.0, 0.0);
        INDArray dx = Nd4j.createUninitialized(weight.dataType(), new long[]{scores.tokens(), weight.columns()}, 'f');
        Nd4j.gemm(ds, weight, dx, false, false, 1.0, 0.0);
        if (dx.dataType() != x.dataType()) {
            dx = dx.castTo(x.dataType());
        }
        return new RouterGradients(dx, Map.of(WEIGHT, dW));
    }

    @Override
    public double[] gateCosines(INDArray x, Scores scores) {
        double[] xNorm = x.norm2(1).castTo(org.nd4j.linalg.api.buffer.DataType.DOUBLE).toDoubleVector();
        double[] wNorm = weight.norm2(1).castTo(org.nd4j.linalg.api.buffer.DataType.DOUBLE).toDoubleVector();
        return CosineOfScores.cosines(scores, xNorm, wNorm, 1.0);
    }

    @Override
    public int gateDimension() {
        return weight.columns();
    }
}
