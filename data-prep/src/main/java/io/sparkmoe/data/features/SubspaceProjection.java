package io.sparkmoe.data.features;

import java.util.List;
import java.util.SplittableRandom;

/**
 * Dimensionality reduction for {@code data.clusters.svd-dims}: an orthonormal basis {@code V} (dims × k) of
 * the top-k right singular subspace of a sample of document vectors, estimated on the driver by subspace
 * iteration on the sample's Gram matrix {@code G = A Aᵀ}, then {@code V = orth(Aᵀ Q)}. A document is
 * projected to {@code x V}. The basis equals the truncated SVD's up to a rotation inside the subspace, which
 * changes no distance, so k-means on the projections is k-means on the truncated SVD coordinates.
 */
public final class SubspaceProjection implements java.io.Serializable {

    private static final long serialVersionUID = 1L;
    static final int ITERATIONS = 20;

    /** {@code [k][dims]}: row j is the j-th basis vector. */
    private final double[][] basis;

    private SubspaceProjection(double[][] basis) {
        this.basis = basis;
    }

    public int dims() {
        return basis.length;
    }

    /** Estimates the top-{@code k} subspace of {@code rows} (unit TF-IDF vectors of sampled documents). */
    public static SubspaceProjection fit(List<SparseVector> rows, int k, long seed) {
        int m = rows.size();
        int n = rows.isEmpty() ? 0 : rows.get(0).size();
        int r = Math.min(k, m);
        double[][] gram = new double[m][m];
        double[][] dense = new double[m][];
        for (int i = 0; i < m; i++) {
            dense[i] = toDense(rows.get(i), n);
        }
        for (int i = 0; i < m; i++) {
            for (int j = 0; j <= i; j++) {
                gram[i][j] = gram[j][i] = dot(rows.get(j), dense[i]);
            }
        }
        SplittableRandom random = new SplittableRandom(seed);
        double[][] q = new double[r][m];
        for (double[] col : q) {
            for (int i = 0; i < m; i++) {
                col[i] = random.nextGaussian();
            }
        }
        orthonormalize(q);
        for (int it = 0; it < ITERATIONS; it++) {
            double[][] next = new double[r][m];
            for (int c = 0; c < r; c++) {
                for (int i = 0; i < m; i++) {
                    double s = 0;
                    for (int j = 0; j < m; j++) {
                        s += gram[i][j] * q[c][j];
                    }
                    next[c][i] = s;
                }
            }
            orthonormalize(next);
            q = next;
        }
        double[][] v = new double[r][n];
        for (int c = 0; c < r; c++) {
            for (int i = 0; i < m; i++) {
                SparseVector row = rows.get(i);
                for (int t = 0; t < row.indices().length; t++) {
                    v[c][row.indices()[t]] += q[c][i] * row.values()[t];
                }
            }
        }
        orthonormalize(v);
        return new SubspaceProjection(v);
    }

    /** {@code x V}: the document's coordinates in the subspace. */
    public double[] project(SparseVector x) {
        double[] out = new double[basis.length];
        for (int c = 0; c < basis.length; c++) {
            out[c] = dot(x, basis[c]);
        }
        return out;
    }

    static double dot(SparseVector x, double[] dense) {
        double s = 0;
        for (int t = 0; t < x.indices().length; t++) {
            s += x.values()[t] * dense[x.indices()[t]];
        }
        return s;
    }

    private static double[] toDense(SparseVector x, int n) {
        double[] d = new double[n];
        for (int t = 0; t < x.indices().length; t++) {
            d[x.indices()[t]] = x.values()[t];
        }
        return d;
    }

    /** Modified Gram–Schmidt on the rows; a row that collapses to zero stays zero. */
    static void orthonormalize(double[][] rows) {
        for (int a = 0; a < rows.length; a++) {
            for (int b = 0; b < a; b++) {
                double p = 0;
                for (int i = 0; i < rows[a].length; i++) {
                    p += rows[a][i] * rows[b][i];
                }
                for (int i = 0; i < rows[a].length; i++) {
                    rows[a][i] -= p * rows[b][i];
                }
            }
            double norm = 0;
            for (double x : rows[a]) {
                norm += x * x;
            }
            norm = Math.sqrt(norm);
            for (int i = 0; i < rows[a].length && norm > 1e-12; i++) {
                rows[a][i] /= norm;
            }
            if (norm <= 1e-12) {
                java.util.Arrays.fill(rows[a], 0);
            }
        }
    }
}
