package io.sparkmoe.routing;

import java.util.Random;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Seeded synthetic inputs for routing tests. */
public final class TestData {

    private TestData() {
    }

    /** [n, d] standard normal values times {@code scale}. */
    public static INDArray gaussian(long seed, int n, int d, double scale, DataType type) {
        Random r = new Random(seed);
        double[] v = new double[n * d];
        for (int i = 0; i < v.length; i++) {
            v[i] = scale * r.nextGaussian();
        }
        return Nd4j.create(v, new long[]{n, d}, 'c').castTo(type);
    }

    /** Token ids uniform in [0, vocab). */
    public static int[] tokenIds(long seed, int n, int vocab) {
        Random r = new Random(seed);
        int[] ids = new int[n];
        for (int i = 0; i < n; i++) {
            ids[i] = r.nextInt(vocab);
        }
        return ids;
    }

    /** Token t on rank t mod ranks. */
    public static int[] roundRobinRanks(int n, int ranks) {
        int[] r = new int[n];
        for (int t = 0; t < n; t++) {
            r[t] = t % ranks;
        }
        return r;
    }
}
