package io.sparkmoe.data.features;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * {@code clusters/report.json}: how the documents were clustered (one or two stages, balanced or not), the
 * size of each cluster and its most characteristic terms — those with the highest count × idf among its
 * documents, so words common to every cluster do not crowd the list.
 */
public final class ClusterSummary {

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    public static final int TOP_TERMS = 12;

    private ClusterSummary() {
    }

    /** The top terms of one cluster from its term counts. */
    public static List<String> topTerms(Map<String, Long> counts, TfIdf tfIdf) {
        double[] idf = tfIdf.idf();
        List<Map.Entry<String, Long>> list = new ArrayList<>(counts.entrySet());
        list.sort(Comparator.comparingDouble((Map.Entry<String, Long> e) ->
                -e.getValue() * idf[tfIdf.hasher().dimension(e.getKey())]).thenComparing(Map.Entry::getKey));
        return list.stream().limit(TOP_TERMS).map(Map.Entry::getKey).toList();
    }

    public static byte[] json(int k, Integer fineCount, Integer cap, long[] sizes, List<List<String>> topTerms) {
        ObjectNode r = JSON.createObjectNode();
        r.put("clusters", k);
        if (fineCount == null) {
            r.putNull("fine_clusters");
        } else {
            r.put("fine_clusters", fineCount);
        }
        if (cap == null) {
            r.putNull("max_size");
        } else {
            r.put("max_size", cap);
        }
        ArrayNode list = r.putArray("sizes");
        for (long s : sizes) {
            list.add(s);
        }
        ArrayNode terms = r.putArray("top_terms");
        for (List<String> t : topTerms) {
            ArrayNode row = terms.addArray();
            t.forEach(row::add);
        }
        try {
            return (JSON.writeValueAsString(r) + "\n").getBytes(StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
