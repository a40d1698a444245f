package io.sparkmoe.data.features;

/**
 * The c-BTM router of decentralized experts: a text (a sequence's decoded prefix) goes to the experts of the clusters
 * whose centroids lie near its document features, {@code w_j ∝ exp(−‖h − c_j‖² / τ)} (MODEL.md, "Decentralized
 * experts"). The features and centroids are those {@code prepare} clustered the documents with, so a prefix of a
 * cluster's document tends to be sent to the expert that was trained on that cluster.
 */
public final class CentroidRouter {

    private final FeatureModel clusters;
    private final double temperature;

    /** {@code temperature} τ &gt; 0. */
    public CentroidRouter(FeatureModel clusters, double temperature) {
        if (!(temperature > 0)) {
            throw new IllegalArgumentException("router temperature must be > 0, got " + temperature);
        }
        this.clusters = clusters;
        this.temperature = temperature;
    }

    public int experts() {
        return clusters.centroids().length;
    }

    /** The weight of every expert for {@code text}: a softmax of {@code −‖h − c_j‖² / τ} (sums to 1). */
    public double[] weights(String text) {
        SparseVector h = clusters.tfIdf().vector(text);
        double[] scores = new double[experts()];
        for (int j = 0; j < scores.length; j++) {
            scores[j] = -FeatureModel.distance(h, clusters.centroids()[j]) / temperature;
        }
        return softmax(scores);
    }

    /** Numerically stable softmax (the largest score is subtracted first). */
    static double[] softmax(double[] scores) {
        double max = Double.NEGATIVE_INFINITY;
        for (double s : scores) {
            max = Math.max(max, s);
        }
        double[] w = new double[scores.length];
        double sum = 0;
        for (int j = 0; j < w.length; j++) {
            w[j] = Math.exp(scores[j] - max);
            sum += w[j];
        }
        for (int j = 0; j < w.length; j++) {
            w[j] /= sum;
        }
        return w;
    }
}
