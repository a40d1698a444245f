package io.sparkmoe.train.checkpoint;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * A checkpoint's {@code state.json}: everything besides tensors that a run needs to continue exactly where it
 * stopped. Nothing random needs saving beyond the seed: initialisation happens once, validation windows are drawn
 * from the seed, and training window {@code i} of a rank is a function of {@code (seed, rank, i)}, so a data cursor is
 * a count of windows read.
 *
 * @param step           the last completed step
 * @param optimizerSteps AdamW's step count (its bias corrections and schedule position)
 * @param dataCursors    training windows read so far, per rank (index = rank)
 * @param seed           {@code run.seed}
 * @param config         fingerprints of the configuration parts that decide the computation (name → value); a run
 *                       resumes only with the same ones
 * @param elapsedSeconds the run's {@code metrics.jsonl} clock when the checkpoint was taken, so a resumed run's
 *                       {@code time} continues from it
 */
public record TrainingState(int step, int optimizerSteps, List<Long> dataCursors, long seed,
                            Map<String, String> config, double elapsedSeconds) {

    public static final String FORMAT = "sparkmoe-checkpoint";
    public static final int VERSION = 1;

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    public TrainingState {
        dataCursors = List.copyOf(dataCursors);
        config = Map.copyOf(config);
    }

    /** How many ranks wrote the checkpoint. */
    public int ranks() {
        return dataCursors.size();
    }

    public byte[] toJson() {
        ObjectNode root = JSON.createObjectNode();
        root.put("format", FORMAT);
        root.put("version", VERSION);
        root.put("step", step);
        root.put("optimizer_steps", optimizerSteps);
        dataCursors.forEach(root.putArray("data_cursors")::add);
        root.put("seed", seed);
        ObjectNode c = root.putObject("config");
        new java.util.TreeMap<>(config).forEach(c::put);
        root.put("elapsed_seconds", elapsedSeconds);
        try {
            return JSON.writeValueAsBytes(root);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Reads and checks a {@code state.json}; {@code source} names it in errors. */
    public static TrainingState parse(byte[] bytes, String source) {
        JsonNode root;
        try {
            root = JSON.readTree(bytes);
        } catch (IOException e) {
            throw new CheckpointException(source + ": not JSON (" + e.getMessage() + ")", e);
        }
        if (root == null || !FORMAT.equals(root.path("format").asText())) {
            throw new CheckpointException(source + ": not a checkpoint state (expected \"format\": \"" + FORMAT + "\")");
        }
        int version = root.path("version").asInt(-1);
        if (version != VERSION) {
            throw new CheckpointException(source + ": checkpoint format version " + version + ", this build reads "
                    + VERSION);
        }
        List<Long> cursors = new ArrayList<>();
        JsonNode c = root.path("data_cursors");
        if (!c.isArray() || c.isEmpty()) {
            throw new CheckpointException(source + ": \"data_cursors\" must be a non-empty array (one per rank)");
        }
        c.forEach(n -> cursors.add(number(n, source, "data_cursors[]")));
        Map<String, String> config = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = root.path("config").fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            config.put(e.getKey(), e.getValue().asText());
        }
        return new TrainingState(Math.toIntExact(number(root.get("step"), source, "step")),
                Math.toIntExact(number(root.get("optimizer_steps"), source, "optimizer_steps")), cursors,
                root.path("seed").asLong(), config, root.path("elapsed_seconds").asDouble(0));
    }

    private static long number(JsonNode n, String source, String field) {
        if (n == null || !n.canConvertToLong() || n.asLong() < 0) {
            throw new CheckpointException(source + ": \"" + field + "\" must be a whole number >= 0, got " + n);
        }
        return n.asLong();
    }
}
