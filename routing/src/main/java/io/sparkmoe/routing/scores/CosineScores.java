package io.sparkmoe.routing.scores;

import java.util.Map;

import io.sparkmoe.routing.RouterGradients;
import io.sparkmoe.routing.RouterParameters;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * X-MoE's cosine gate (Chi et al., "On the Representation Collapse of Sparse Mixture of Experts", NeurIPS
 * 2022): project to a small space, z = P·x ({@code P: [r, d]}), and score each expert by the cosine between z
 * and its embedding w_e ({@code [E, r]}) over a learned temperature: {@code s_te = cos(z_t, w_e)/τ},
 * {@code τ = exp(log_temperature)}. Normalising as {@code v / max(‖v‖, 1e-12)} (as PyTorch's F.normalize).
 *
 * <p>Backward, with C = ẑ·ŵᵀ and s = C/τ: dC = ds/τ, d(logτ) = −Σ ds⊙s, dẑ = dC·ŵ, dŵ = dCᵀ·ẑ; through
 * v̂ = v/‖v‖: dv = (dv̂ − v̂(v̂·dv̂))/‖v‖; then dP = dzᵀ·x and dx = dz·P.
 */
public final class CosineScores implements ScoreFunction {

    public static final String PROJECTION = "gate.proj.weight";
    public static final String EMBEDDINGS = "gate.expert_embeddings";
    public static final String LOG_TEMPERATURE = "gate.log_temperature";
    private static final double EPS = 1e-12;

    private final INDArray projection;
    private final LinearScores project;
    private final INDArray embeddings;
    private final INDArray logTemperature;

    public CosineScores(INDArray projection, INDArray embeddings, INDArray logTemperature) {
        this.projection = projection;
        this.project = new LinearScores(projection);   // z = x·Pᵀ is a linear gate with r outputs
        this.embeddings = embeddings;
        this.logTemperature = logTemperature;
    }

    private record Saved(double[] zHat, double[] zNorm, double[] wHat, double[] wNorm, double tau) {
    }

    @Override
    public int experts() {
        return embeddings.rows();
    }

    @Override
    public void register(RouterParameters parameters) {
        parameters.learned(PROJECTION, projection).learned(EMBEDDINGS, embeddings).learned(LOG_TEMPERATURE, logTemperature);
    }

    @Override
    public Scores forward(INDArray x) {
        int n = x.rows();
        int r = projection.rows();
        int e = experts();
        double[] z = project.forward(x).values();
        double[] w = Arrays2.toDoubles(embeddings.castTo(DataType.DOUBLE));
        double[] zNorm = normalizeRows(z, n, r);
        double[] wNorm = normalizeRows(w, e, r);
        double tau = Math.exp(logTemperature.getDouble(0));
        double[] s = new double[n * e];
        for (int t = 0; t < n; t++) {
            for (int j = 0; j < e; j++) {
                double c = 0;
                for (int i = 0; i < r; i++) {
                    c += z[t * r + i] * w[j * r + i];
                }
                s[t * e + j] = c / tau;
            }
        }
        return new Scores(s, n, e, new Saved(z, zNorm, w, wNorm, tau));
    }

    /** Normalises rows in place; returns max(‖row‖, eps). */
    private static double[] normalizeRows(double[] v, int rows, int cols) {
        double[] norms = Arrays2.rowNorms(v, rows, cols);
        for (int i = 0; i < rows; i++) {
            norms[i] = Math.max(norms[i], EPS);
            for (int j = 0; j < cols; j++) {
                v[i * cols + j] /= norms[i];
            }
        }
        return norms;
    }

    @Override
    public RouterGradients backward(INDArray x, Scores scores, double[] ds) {
        Saved sv = (Saved) scores.saved();
        int n = scores.tokens();
        int e = scores.experts();
        int r = projection.rows();
        double[] s = scores.values();
        double dLogTau = 0;
        double[] dzHat = new double[n * r];
        double[] dwHat = new double[e * r];
        for (int t = 0; t < n; t++) {
            for (int j = 0; j < e; j++) {
                double g = ds[t * e + j];
                dLogTau -= g * s[t * e + j];
                double dc = g / sv.tau;
                for (int i = 0; i < r; i++) {
                    dzHat[t * r + i] += dc * sv.wHat[j * r + i];
                    dwHat[j * r + i] += dc * sv.zHat[t * r + i];
                }
            }
        }
        double[] dz = normalizeBackward(sv.zHat, sv.zNorm, dzHat, n, r);
        double[] dw = normalizeBackward(sv.wHat, sv.wNorm, dwHat, e, r);
        RouterGradients throughProjection = project.backward(x, new Scores(sv.zHat, n, r, null), dz);
        INDArray dP = throughProjection.parameters().get(LinearScores.WEIGHT);
        INDArray dx = throughProjection.input();
        INDArray dEmb = Arrays2.matrix(dw, e, r, embeddings.dataType());
        INDArray dTau = Nd4j.scalar(logTemperature.dataType(), dLogTau).reshape(logTemperature.shape());
        return new RouterGradients(dx, Map.of(PROJECTION, dP, EMBEDDINGS, dEmb, LOG_TEMPERATURE, dTau));
    }

    private static double[] normalizeBackward(double[] hat, double[] norm, double[] dHat, int rows, int cols) {
        double[] d = new double[rows * cols];
        for (int i = 0; i < rows; i++) {
            double dot = 0;
            for (int j = 0; j < cols; j++) {
                dot += hat[i * cols + j] * dHat[i * cols + j];
            }
            for (int j = 0; j < cols; j++) {
                d[i * cols + j] = (dHat[i * cols + j] - hat[i * cols + j] * dot) / norm[i];
            }
        }
        return d;
    }

    @Override
    public double[] gateCosines(INDArray x, Scores scores) {
        Saved sv = (Saved) scores.saved();
        double[] c = scores.values().clone();
        for (int i = 0; i < c.length; i++) {
            c[i] *= sv.tau;
        }
        return c;
    }

    @Override
    public int gateDimension() {
        return projection.rows();
    }
}
