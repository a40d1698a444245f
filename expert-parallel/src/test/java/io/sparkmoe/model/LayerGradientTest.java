package io.sparkmoe.model;

import java.util.Random;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/** Finite-difference checks (float64) of each layer's backward: dL/dx and every parameter gradient. */
class LayerGradientTest {

    private final Random random = new Random(5);

    private Parameters params() {
        return new Parameters(DataType.DOUBLE);
    }

    @Test
    void rmsNorm() {
        Parameters p = params();
        p.add("g", GradientCheck.normal(random, 1, 8, 1).reshape(8));
        RmsNorm norm = new RmsNorm(p, "g", 1e-5);
        GradientCheck.checkLayer(p, GradientCheck.normal(random, 5, 8, 1), norm::forward, norm::backward);
    }

    @Test
    void swiGlu() {
        Parameters p = params();
        p.add("w1", GradientCheck.normal(random, 6, 8, 0.5));
        p.add("w3", GradientCheck.normal(random, 6, 8, 0.5));
        p.add("w2", GradientCheck.normal(random, 8, 6, 0.5));
        SwiGlu f = new SwiGlu(p, "w1", "w3", "w2");
        GradientCheck.checkLayer(p, GradientCheck.normal(random, 5, 8, 1), f::forward, f::backward);
    }

    @Test
    void causalSelfAttentionOverTwoSequences() {
        Parameters p = params();
        for (String n : new String[]{"q", "k", "v", "o"}) {
            p.add("a." + n + "_proj.weight", GradientCheck.normal(random, 8, 8, 0.5));
        }
        CausalSelfAttention attention = new CausalSelfAttention(p, "a.", 2, 10000.0);
        GradientCheck.checkLayer(p, GradientCheck.normal(random, 10, 8, 1),
                x -> attention.forward(x, 2, 5), attention::backward);
    }

    @Test
    void ropeBackwardIsTheTransposeOfTheRotation() {
        Rope rope = new Rope(4, 10000.0);
        double[] x = GradientCheck.normal(random, 3, 8, 1).data().asDouble();
        double[] u = GradientCheck.normal(random, 3, 8, 1).data().asDouble();
        double[] rx = x.clone();
        rope.rotateSequences(rx, 1, 3, 8);
        double[] ru = u.clone();
        rope.rotateSequencesBack(ru, 1, 3, 8);
        double lhs = 0;
        double rhs = 0;
        for (int i = 0; i < x.length; i++) {
            lhs += rx[i] * u[i];
            rhs += x[i] * ru[i];
        }
        org.junit.jupiter.api.Assertions.assertEquals(lhs, rhs, 1e-12);
    }

    @Test
    void sharedExpertsWithGate() {
        Parameters p = params();
        for (int s = 0; s < 2; s++) {
            p.add("m.shared_experts." + s + ".w1.weight", GradientCheck.normal(random, 6, 8, 0.5));
            p.add("m.shared_experts." + s + ".w3.weight", GradientCheck.normal(random, 6, 8, 0.5));
            p.add("m.shared_experts." + s + ".w2.weight", GradientCheck.normal(random, 8, 6, 0.5));
        }
        p.add("m.shared_expert_gate.weight", GradientCheck.normal(random, 1, 8, 0.5));
        SharedExperts shared = new SharedExperts(p, "m.", 2, "m.shared_expert_gate.weight");
        GradientCheck.checkLayer(p, GradientCheck.normal(random, 5, 8, 1), shared::forward, shared::backward);
    }
}
