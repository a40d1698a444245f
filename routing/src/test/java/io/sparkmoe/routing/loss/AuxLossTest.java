package io.sparkmoe.routing.loss;

import java.util.Random;

import io.sparkmoe.routing.scores.RowSoftmax;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Each auxiliary loss on its own: gradient against finite differences in s (double), and values by hand. */
class AuxLossTest {

    private static final int N = 7;
    private static final int E = 6;
    private static final int[] EXPERT_NODE = {0, 0, 1, 1, 2, 2};
    private static final int[] TOKEN_NODE = {0, 1, 2, 3, 0, 1, 1};   // node 3 hosts no expert: skipped
    private static final boolean[] ROUTED = {true, true, true, true, true, false, true};
    private static final int[] COUNTS = {3, 1, 0, 4, 2, 2};

    private static LossInputs inputs(double[] s) {
        double[] p = new double[s.length];
        double[] lse = RowSoftmax.softmax(s, N, E, p);
        return new LossInputs(N, E, s, p, lse, ROUTED, COUNTS, new LossInputs.NodeMap(TOKEN_NODE, EXPERT_NODE));
    }

    private static void checkGradient(AuxLoss loss) {
        Random r = new Random(5);
        double[] s = new double[N * E];
        for (int i = 0; i < s.length; i++) {
            s[i] = 2 * r.nextGaussian();
        }
        double[] g = new double[s.length];
        loss.addScoreGradient(inputs(s), g);
        double h = 1e-6;
        for (int i = 0; i < s.length; i++) {
            double v = s[i];
            s[i] = v + h;
            double up = loss.value(inputs(s));
            s[i] = v - h;
            double down = loss.value(inputs(s));
            s[i] = v;
            assertEquals((up - down) / (2 * h), g[i], 1e-8, "ds[" + i + "]");
        }
    }

    @Test
    void loadBalanceGradient() {
        checkGradient(new LoadBalanceLoss(0.7));
    }

    @Test
    void zLossGradient() {
        checkGradient(new ZLoss(0.3));
    }

    @Test
    void localityGradient() {
        checkGradient(new LocalityLoss(0.9));
    }

    /** Uniform p, f = P = 1/E: α·E·E·(1/E)(1/E) = α, the loss's minimum. */
    @Test
    void loadBalanceIsAlphaWhenUniform() {
        double[] s = new double[N * E];
        int[] counts = {2, 2, 2, 2, 2, 2};
        double[] p = new double[s.length];
        double[] lse = RowSoftmax.softmax(s, N, E, p);
        LossInputs in = new LossInputs(N, E, s, p, lse, ROUTED, counts, null);
        assertEquals(0.25, new LoadBalanceLoss(0.25).value(in), 1e-12);
    }

    /**
     * One token on node 0 of two, experts 0, 1 local: D = [½, ½, 1e-9, 1e-9]/(1 + 2e-9), p uniform ¼:
     * KL = Σ D ln(D/p) = 2·(½/z)·ln(2/z) + 2·(1e-9/z)·ln(4e-9/z), z = 1 + 2e-9.
     */
    @Test
    void localityByHand() {
        double[] s = new double[4];
        double[] p = new double[4];
        double[] lse = RowSoftmax.softmax(s, 1, 4, p);
        LossInputs in = new LossInputs(1, 4, s, p, lse, new boolean[]{true}, new int[4],
                new LossInputs.NodeMap(new int[]{0}, new int[]{0, 0, 1, 1}));
        double z = 1 + 2e-9;
        double kl = (1 / z) * Math.log(2 / z) + (2e-9 / z) * Math.log(4e-9 / z);
        assertEquals(2 * kl, new LocalityLoss(2).value(in), 1e-12);
    }
}
