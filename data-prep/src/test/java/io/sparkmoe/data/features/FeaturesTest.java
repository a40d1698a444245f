package io.sparkmoe.data.features;

import io.sparkmoe.data.DataException;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class FeaturesTest {

    @Test
    void murmur3MatchesPublishedValues() {
        // Reference values of MurmurHash3_x86_32 (seed 0 and 1), as in Guava and the SMHasher test vectors.
        assertEquals(0, TermHasher.murmur3(new byte[0], 0));
        assertEquals(0x514E28B7, TermHasher.murmur3(new byte[0], 1));
        assertEquals(0x248bfa47, TermHasher.murmur3("hello".getBytes(StandardCharsets.UTF_8), 0));
        assertEquals(0x2e4ff723, TermHasher.murmur3("The quick brown fox jumps over the lazy dog".getBytes(StandardCharsets.UTF_8), 0));
    }

    @Test
    void termsAreLowerCasedLetterRunsOfTwoOrMore() {
        List<String> terms = new ArrayList<>();
        TermHasher.terms("Élan vital, a 42 X-ray Straße's", terms::add);
        assertEquals(List.of("élan", "vital", "ray", "straße"), terms);
    }

    @Test
    void tfIdfVectorsHaveUnitLengthAndWeighRareTermsUp() {
        TermHasher h = new TermHasher(64);
        long[] df = new long[64];
        df[h.dimension("common")] = 100;
        df[h.dimension("rare")] = 1;
        TfIdf tfIdf = new TfIdf(h, df, 100);
        SparseVector v = tfIdf.vector("common rare");
        double norm = 0;
        double common = 0;
        double rare = 0;
        for (int k = 0; k < v.indices().length; k++) {
            norm += v.values()[k] * v.values()[k];
            common += v.indices()[k] == h.dimension("common") ? v.values()[k] : 0;
            rare += v.indices()[k] == h.dimension("rare") ? v.values()[k] : 0;
        }
        assertEquals(1.0, norm, 1e-12);
        assertEquals(Math.log(101.0 / 2) + 1, rare / common * (Math.log(101.0 / 101) + 1), 1e-9);
    }

    @Test
    void balancedAssignmentCapsClustersAndPrefersNearOnes() {
        double[][] d = {{0, 5}, {1, 5}, {2, 5}, {9, 0}};
        assertArrayEquals(new int[]{0, 0, 1, 1}, BalancedAssignment.assign(d, 2));
        assertArrayEquals(new int[]{0, 0, 0, 1}, BalancedAssignment.assign(d, 3));
        assertThrows(IllegalArgumentException.class, () -> BalancedAssignment.assign(d, 1));
    }

    @Test
    void theCentroidModelRoundTripsAndRoutesToTheNearest() {
        TermHasher h = new TermHasher(32);
        TfIdf tfIdf = new TfIdf(h, new long[32], 10);
        double[][] centroids = new double[2][32];
        centroids[0][h.dimension("apple")] = 1;
        centroids[1][h.dimension("zebra")] = 1;
        FeatureModel m = FeatureModel.parse(new FeatureModel(tfIdf, centroids).toJson(), "centroids.json");
        assertEquals(0, m.nearest("apple apple"));
        assertEquals(1, m.nearest("a zebra"));
        assertArrayEquals(tfIdf.idf(), m.tfIdf().idf());
        assertThrows(DataException.class, () -> FeatureModel.parse("{}".getBytes(StandardCharsets.UTF_8), "c.json"));
    }
}
