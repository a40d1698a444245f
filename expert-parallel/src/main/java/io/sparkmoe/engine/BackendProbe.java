package io.sparkmoe.engine;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Properties;

/**
 * What ND4J backend a JVM runs and whether it computes: used by {@code bin/sparkmoe check} inside every
 * executor, so a user learns before training that each executor loaded its natives (CPU or CUDA) and
 * agrees with the driver on a deterministic product.
 */
public final class BackendProbe {

    private BackendProbe() {
    }

    /**
     * What one JVM reported.
     *
     * @param backend   ND4J backend name (e.g. {@code CPU}, {@code CUDA})
     * @param blas      BLAS vendor
     * @param threads   BLAS threads
     * @param product   {@code a·b} of the deterministic inputs for {@code seed}
     */
    public record Report(String backend, String blas, int threads, INDArray product) {
    }

    /** Multiplies two seeded {@code [n, n]} float32 matrices on this JVM's backend. */
    public static Report run(long seed, int n) {
        INDArray[] ab = inputs(seed, n);
        INDArray product = ab[0].mmul(ab[1]);
        Properties env = Nd4j.getExecutioner().getEnvironmentInformation();
        String backend = String.valueOf(env.getOrDefault("backend", Nd4j.getBackend().getClass().getSimpleName()));
        String blas = String.valueOf(env.getOrDefault("blas.vendor", "unknown"));
        int threads = Integer.parseInt(String.valueOf(env.getOrDefault("omp.threads", "0")));
        return new Report(backend, blas, threads, product);
    }

    /** The same product computed element by element in double precision: the slow, obviously right reference. */
    public static double[][] reference(long seed, int n) {
        INDArray[] ab = inputs(seed, n);
        double[][] a = ab[0].toDoubleMatrix();
        double[][] b = ab[1].toDoubleMatrix();
        double[][] out = new double[n][n];
        for (int i = 0; i < n; i++) {
            for (int k = 0; k < n; k++) {
                for (int j = 0; j < n; j++) {
                    out[i][j] += a[i][k] * b[k][j];
                }
            }
        }
        return out;
    }

    private static INDArray[] inputs(long seed, int n) {
        // Values from a simple LCG, so every JVM and backend builds the very same inputs.
        float[] a = new float[n * n];
        float[] b = new float[n * n];
        long s = seed;
        for (int i = 0; i < a.length; i++) {
            s = s * 6364136223846793005L + 1442695040888963407L;
            a[i] = ((s >>> 40) % 2001 - 1000) / 1000f;
            s = s * 6364136223846793005L + 1442695040888963407L;
            b[i] = ((s >>> 40) % 2001 - 1000) / 1000f;
        }
        return new INDArray[]{Nd4j.create(a, new long[]{n, n}, DataType.FLOAT), Nd4j.create(b, new long[]{n, n}, DataType.FLOAT)};
    }
}
