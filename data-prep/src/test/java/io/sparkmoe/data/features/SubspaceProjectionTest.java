package io.sparkmoe.data.features;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SubspaceProjectionTest {

    @Test
    void recoversAPlantedLowRankSubspace() {
        // Rows are combinations of two fixed directions in 50 dimensions plus tiny noise:
        // the rank-2 subspace must keep (almost) all of every row's length.
        Random r = new Random(3);
        double[] u = new double[50];
        double[] w = new double[50];
        for (int i = 0; i < 50; i++) {
            u[i] = r.nextGaussian();
            w[i] = r.nextGaussian();
        }
        List<SparseVector> rows = new ArrayList<>();
        for (int n = 0; n < 80; n++) {
            double a = r.nextGaussian();
            double b = r.nextGaussian();
            int[] idx = new int[50];
            double[] val = new double[50];
            for (int i = 0; i < 50; i++) {
                idx[i] = i;
                val[i] = a * u[i] + b * w[i] + 1e-6 * r.nextGaussian();
            }
            rows.add(new SparseVector(50, idx, val));
        }
        SubspaceProjection p = SubspaceProjection.fit(rows, 2, 1);
        assertEquals(2, p.dims());
        for (SparseVector x : rows) {
            double[] y = p.project(x);
            double kept = y[0] * y[0] + y[1] * y[1];
            double all = 0;
            for (double v : x.values()) {
                all += v * v;
            }
            assertTrue(Math.abs(kept - all) < 1e-6 * all, kept + " vs " + all);
        }
    }
}
