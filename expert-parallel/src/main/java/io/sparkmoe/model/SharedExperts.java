package io.sparkmoe.model;

import io.sparkmoe.routing.scores.Arrays2;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * DeepSeekMoE's shared experts: {@code ys = Σ_s SwiGLU_s(x)} for every token, optionally scaled by Qwen2-MoE's gate
 * {@code σ(x·w_sgᵀ)}. Backward of the gate with {@code z = x·w_sgᵀ}, {@code σ = σ(z)}: {@code d(ys) = dy·σ},
 * {@code dz_t = σ_t(1 − σ_t)·(dy_t · ys_t)}, {@code dw_sg = dzᵀ·x}, {@code dx += dz·w_sg}.
 */
final class SharedExperts {

    private final Parameters params;
    private final SwiGlu[] experts;
    private final String gate;
    private INDArray x;
    private double[] sum;
    private double[] sigma;

    /** gate: the name of {@code shared_expert_gate.weight}, or null for no gate. */
    SharedExperts(Parameters params, String prefix, int count, String gate) {
        this.params = params;
        this.experts = new SwiGlu[count];
        for (int s = 0; s < count; s++) {
            experts[s] = SwiGlu.expert(params, prefix + "shared_experts." + s + ".");
        }
        this.gate = gate;
    }

    boolean isEmpty() {
        return experts.length == 0;
    }

    INDArray forward(INDArray input) {
        x = input;
        INDArray ys = experts[0].forward(x);
        for (int s = 1; s < experts.length; s++) {
            ys.addi(experts[s].forward(x));
        }
        if (gate == null) {
            return ys;
        }
        sum = Arrays2.toDoubles(ys);
        double[] z = Arrays2.toDoubles(Linear.forward(x, params.value(gate)));
        int d = x.columns();
        sigma = new double[z.length];
        double[] out = new double[sum.length];
        for (int t = 0; t < z.length; t++) {
            sigma[t] = SwiGlu.sigmoid(z[t]);
            for (int j = 0; j < d; j++) {
                out[t * d + j] = sum[t * d + j] * sigma[t];
            }
        }
        return Arrays2.matrix(out, x.rows(), d, x.dataType());
    }

    INDArray backward(INDArray dyArray) {
        INDArray dys = dyArray;
        INDArray dx = null;
        if (gate != null) {
            double[] dy = Arrays2.toDoubles(dyArray);
            int d = x.columns();
            double[] dz = new double[sigma.length];
            double[] scaled = new double[dy.length];
            for (int t = 0; t < sigma.length; t++) {
                double dot = 0;
                for (int j = 0; j < d; j++) {
                    dot += dy[t * d + j] * sum[t * d + j];
                    scaled[t * d + j] = dy[t * d + j] * sigma[t];
                }
                dz[t] = sigma[t] * (1 - sigma[t]) * dot;
            }
            INDArray dzArray = Arrays2.matrix(dz, sigma.length, 1, x.dataType());
            Linear.accumulateWeightGradient(params, gate, dzArray, x);
            dx = Linear.inputGradient(dzArray, params.value(gate));
            dys = Arrays2.matrix(scaled, x.rows(), d, x.dataType());
        }
        for (SwiGlu e : experts) {
            INDArray g = e.backward(dys);
            dx = dx == null ? g : dx.addi(g);
        }
        return dx;
    }
}
