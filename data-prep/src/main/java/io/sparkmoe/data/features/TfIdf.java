package io.sparkmoe.data.features;

import java.io.Serializable;

/**
 * TF-IDF over hashed terms: {@code idf(d) = ln((1 + N) / (1 + df(d))) + 1} (smoothed, never zero), where
 * {@code N} is the number of documents and {@code df(d)} how many contain a term hashed to {@code d}; a
 * document's vector is its term frequencies ({@link TermHasher}) times idf, scaled to unit length, so the
 * Euclidean distance k-means uses orders documents like cosine similarity.
 */
public final class TfIdf implements Serializable {

    private static final long serialVersionUID = 1L;

    private final TermHasher hasher;
    private final double[] idf;
    private final long documents;

    public TfIdf(TermHasher hasher, long[] documentFrequencies, long documents) {
        this.hasher = hasher;
        this.documents = documents;
        this.idf = new double[documentFrequencies.length];
        for (int d = 0; d < idf.length; d++) {
            idf[d] = Math.log((1.0 + documents) / (1.0 + documentFrequencies[d])) + 1;
        }
    }

    private TfIdf(TermHasher hasher, double[] idf, long documents) {
        this.hasher = hasher;
        this.idf = idf.clone();
        this.documents = documents;
    }

    /** Features with idf values already computed (read back from {@code centroids.json}). */
    public static TfIdf fromIdf(TermHasher hasher, double[] idf, long documents) {
        return new TfIdf(hasher, idf, documents);
    }

    public TermHasher hasher() {
        return hasher;
    }

    public double[] idf() {
        return idf.clone();
    }

    public long documents() {
        return documents;
    }

    /** The unit-length TF-IDF vector of {@code text} (all zero when it has no term). */
    public SparseVector vector(String text) {
        SparseVector tf = hasher.termFrequencies(text);
        double[] v = tf.values().clone();
        double norm = 0;
        for (int k = 0; k < v.length; k++) {
            v[k] *= idf[tf.indices()[k]];
            norm += v[k] * v[k];
        }
        norm = Math.sqrt(norm);
        for (int k = 0; k < v.length && norm > 0; k++) {
            v[k] /= norm;
        }
        return new SparseVector(tf.size(), tf.indices(), v);
    }
}
