package io.sparkmoe.data.features;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The centroid router's weights against a computation by hand. */
class CentroidRouterTest {

    @Test
    void weightsAreASoftmaxOfMinusSquaredDistanceOverTemperature() {
        TermHasher hasher = new TermHasher(16);
        int d = hasher.dimension("alpha");
        double[] idf = new double[16];
        java.util.Arrays.fill(idf, 1.0);
        double[][] centroids = new double[3][16];
        centroids[0][d] = 0.6;               // ‖e_d − c0‖² = 0.4² = 0.16
        centroids[1][(d + 1) % 16] = 0.8;    // 1 + 0.64 = 1.64
        // centroids[2] = 0:                    1
        FeatureModel model = new FeatureModel(TfIdf.fromIdf(hasher, idf, 1), centroids);
        // one term: its feature vector is the unit vector e_d
        double[] w = new CentroidRouter(model, 0.5).weights("alpha");
        double a = Math.exp(-0.16 / 0.5);
        double b = Math.exp(-1.64 / 0.5);
        double c = Math.exp(-1.0 / 0.5);
        double sum = a + b + c;
        assertArrayEquals(new double[]{a / sum, b / sum, c / sum}, w, 1e-12);
        assertEquals(0.80763, w[0], 1e-5);
        // a lower temperature is sharper
        assertEquals(1.0, new CentroidRouter(model, 0.001).weights("alpha")[0], 1e-12);
        assertThrows(IllegalArgumentException.class, () -> new CentroidRouter(model, 0));
    }
}
