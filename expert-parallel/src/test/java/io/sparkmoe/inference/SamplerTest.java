package io.sparkmoe.inference;

import java.util.Arrays;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Greedy, top-k, top-p and seeded sampling, and the sampler's frequencies against the distribution it should draw from. */
class SamplerTest {

    /** Probabilities 0.5, 0.3, 0.15, 0.05 (as log-probabilities, shifted), in a shuffled order. */
    static final double[] LOGITS = {Math.log(0.15) + 3, Math.log(0.5) + 3, Math.log(0.05) + 3, Math.log(0.3) + 3};

    @Test
    void temperatureZeroIsArgmaxWithTiesToTheLowerId() {
        Sampler greedy = new Sampler(Sampler.Settings.greedy());
        assertEquals(1, greedy.next(LOGITS));
        assertEquals(1, greedy.next(new double[]{0, 2, 2, 1}), "tie: the lower id");
    }

    @Test
    void topKOneIsGreedyAtAnyTemperature() {
        for (long seed = 0; seed < 20; seed++) {
            assertEquals(1, new Sampler(new Sampler.Settings(5.0, 1, 1, seed)).next(LOGITS));
        }
    }

    @Test
    void topPKeepsTheSmallestSetReachingP() {
        assertArrayEquals(new double[]{0, 1, 0, 0}, dist(1, 0, 0.4), 1e-12);
        assertArrayEquals(new double[]{0, 0.625, 0, 0.375}, dist(1, 0, 0.75), 1e-12, "0.5 + 0.3 >= 0.75");
        assertArrayEquals(new double[]{0.15 / 0.95, 0.5 / 0.95, 0, 0.3 / 0.95}, dist(1, 0, 0.85), 1e-12);
        assertArrayEquals(new double[]{0.15, 0.5, 0.05, 0.3}, dist(1, 0, 1), 1e-12);
        assertArrayEquals(new double[]{0, 0.625, 0, 0.375}, dist(1, 2, 0.95), 1e-12, "top-k first, then top-p");
    }

    @Test
    void temperatureSharpensOrFlattens() {
        double[] p = dist(0.5, 0, 1);
        double z = 0.15 * 0.15 + 0.5 * 0.5 + 0.05 * 0.05 + 0.3 * 0.3;
        assertArrayEquals(new double[]{0.0225 / z, 0.25 / z, 0.0025 / z, 0.09 / z}, p, 1e-12, "T = 1/2 squares p");
    }

    @Test
    void theSameSeedGivesTheSameDraws() {
        int[] a = draws(new Sampler.Settings(1, 0, 1, 42), 50);
        assertArrayEquals(a, draws(new Sampler.Settings(1, 0, 1, 42), 50));
        assertNotEquals(Arrays.toString(a), Arrays.toString(draws(new Sampler.Settings(1, 0, 1, 43), 50)));
    }

    /** 40 000 draws: every frequency within 5 standard errors of its probability (the seed fixes the outcome). */
    @Test
    void frequenciesFollowTheDistribution() {
        for (Sampler.Settings s : new Sampler.Settings[]{new Sampler.Settings(1, 0, 1, 7),
                new Sampler.Settings(2, 3, 1, 8), new Sampler.Settings(0.7, 0, 0.9, 9)}) {
            Sampler sampler = new Sampler(s);
            double[] p = sampler.distribution(LOGITS);
            int n = 40_000;
            int[] counts = new int[LOGITS.length];
            for (int i = 0; i < n; i++) {
                counts[sampler.next(LOGITS)]++;
            }
            for (int i = 0; i < p.length; i++) {
                double se = Math.sqrt(p[i] * (1 - p[i]) / n);
                double f = counts[i] / (double) n;
                assertTrue(Math.abs(f - p[i]) <= 5 * se + 1e-12, s + ": token " + i + " drawn " + f + ", p " + p[i]);
            }
        }
    }

    @Test
    void badSettingsAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> new Sampler.Settings(-1, 0, 1, 0));
        assertThrows(IllegalArgumentException.class, () -> new Sampler.Settings(1, -2, 1, 0));
        assertThrows(IllegalArgumentException.class, () -> new Sampler.Settings(1, 0, 0, 0));
        assertThrows(IllegalArgumentException.class, () -> new Sampler.Settings(1, 0, 1.5, 0));
    }

    private static double[] dist(double t, int k, double p) {
        return new Sampler(new Sampler.Settings(t, k, p, 0)).distribution(LOGITS);
    }

    private static int[] draws(Sampler.Settings s, int n) {
        Sampler sampler = new Sampler(s);
        int[] out = new int[n];
        for (int i = 0; i < n; i++) {
            out[i] = sampler.next(LOGITS);
        }
        return out;
    }
}
