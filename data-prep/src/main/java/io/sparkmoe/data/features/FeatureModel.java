package io.sparkmoe.data.features;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sparkmoe.data.DataException;

import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * {@code clusters/centroids.json}: everything a router needs to send a text to the nearest cluster without
 * Spark — the feature recipe in words and parameters (terms, hash, dims, tf, idf formula and values), and the
 * K centroids in that feature space. {@link #nearest} is that router's rule.
 *
 * @param tfIdf     the features
 * @param centroids {@code [K][dims]} mean unit-length TF-IDF vector of each cluster's documents
 */
public record FeatureModel(TfIdf tfIdf, double[][] centroids) {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** The cluster whose centroid is nearest (Euclidean) to the text's vector. */
    public int nearest(String text) {
        SparseVector v = tfIdf.vector(text);
        int best = 0;
        double bestDistance = Double.MAX_VALUE;
        for (int c = 0; c < centroids.length; c++) {
            double d = distance(v, centroids[c]);
            if (d < bestDistance) {
                bestDistance = d;
                best = c;
            }
        }
        return best;
    }

    /** Squared Euclidean distance between a sparse and a dense vector. */
    public static double distance(SparseVector v, double[] centroid) {
        double sum = 0;
        for (double x : centroid) {
            sum += x * x;
        }
        for (int k = 0; k < v.indices().length; k++) {
            double x = centroid[v.indices()[k]];
            double y = v.values()[k];
            sum += (y - x) * (y - x) - x * x;
        }
        return sum;
    }

    public byte[] toJson() {
        ObjectNode root = JSON.createObjectNode();
        root.put("format", "sparkmoe-document-clusters");
        root.put("version", 1);
        root.put("terms", "maximal runs of Unicode letters (L*), at least 2 code points, lower-cased (root locale)");
        root.put("hash", "murmur3_x86_32(utf8(term), seed 0), dimension = floorMod(hash, dims)");
        root.put("dims", tfIdf.hasher().dims());
        root.put("tf", "1 + ln(count) per dimension");
        root.put("idf", "ln((1 + documents) / (1 + df)) + 1");
        root.put("normalize", "l2 (unit length)");
        root.put("distance", "squared euclidean to the centroids; nearest wins");
        root.put("documents", tfIdf.documents());
        ArrayNode idf = root.putArray("idf_values");
        for (double x : tfIdf.idf()) {
            idf.add(x);
        }
        ArrayNode cs = root.putArray("centroids");
        for (double[] c : centroids) {
            ArrayNode row = cs.addArray();
            for (double x : c) {
                row.add(x);
            }
        }
        try {
            return (JSON.writeValueAsString(root) + "\n").getBytes(StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Reads a file written by {@link #toJson}; {@code file} names it in errors. */
    public static FeatureModel parse(byte[] bytes, String file) {
        try {
            JsonNode root = JSON.readTree(bytes);
            if (root == null || !"sparkmoe-document-clusters".equals(root.path("format").asText())) {
                throw new DataException(file + ": not a document cluster model");
            }
            int dims = root.path("dims").asInt();
            JsonNode idfNode = root.path("idf_values");
            if (idfNode.size() != dims) {
                throw new DataException(file + ": idf_values has " + idfNode.size() + " entries, dims is " + dims);
            }
            long n = root.path("documents").asLong();
            TfIdf tfIdf = TfIdf.fromIdf(new TermHasher(dims), toArray(idfNode), n);
            JsonNode cs = root.path("centroids");
            double[][] centroids = new double[cs.size()][];
            for (int c = 0; c < centroids.length; c++) {
                centroids[c] = toArray(cs.get(c));
                if (centroids[c].length != dims) {
                    throw new DataException(file + ": centroid " + c + " has " + centroids[c].length + " values, dims is " + dims);
                }
            }
            return new FeatureModel(tfIdf, centroids);
        } catch (IOException e) {
            throw new DataException(file + ": not valid JSON (" + e.getMessage() + ")", e);
        }
    }

    private static double[] toArray(JsonNode array) {
        double[] out = new double[array.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = array.get(i).asDouble();
        }
        return out;
    }
}
