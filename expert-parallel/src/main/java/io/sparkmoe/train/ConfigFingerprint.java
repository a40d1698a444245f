package io.sparkmoe.train;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

import io.sparkmoe.conf.SparkMoeConfig;
import io.sparkmoe.data.clean.ContentHash;
import io.sparkmoe.data.shards.Manifest;
import io.sparkmoe.train.checkpoint.CheckpointException;
import io.sparkmoe.train.checkpoint.TrainingState;

/**
 * Fingerprints of the configuration parts that decide a run's numbers, saved in every checkpoint's
 * {@code state.json}: a resume with another model, routing, schedule, batch, data or seed would not continue the
 * run it claims to, so it is refused, naming the part that differs. Keys that only change what is reported or kept
 * ({@code train.log-every}, {@code train.eval-every}, checkpoint keys, {@code run.*} besides the seed) may change.
 */
public final class ConfigFingerprint {

    /** Part name → what it covers, for the error message. */
    private static final Map<String, String> PARTS = Map.of(
            "model", "model section (model.*)",
            "routing", "routing section (routing.*)",
            "schedule", "schedule (train.steps, train.optimizer.*)",
            "data", "data (the prepared manifest, train.batch-size, train.eval-batches)",
            "seed", "seed (run.seed)");

    private ConfigFingerprint() {
    }

    public static Map<String, String> of(SparkMoeConfig config, Manifest data) {
        Map<String, String> f = new LinkedHashMap<>();
        f.put("model", hash(config.model().toString()));
        f.put("routing", hash(config.routing().toString()));
        f.put("schedule", hash(config.train().steps() + " " + config.train().optimizer()));
        f.put("data", hash(new String(data.toJson(), StandardCharsets.UTF_8) + " batch " + config.train().batchSize()
                + " eval " + config.train().evalBatches()));
        f.put("seed", Long.toString(config.run().seed()));
        return f;
    }

    /** Refuses a checkpoint whose fingerprints differ from this run's; {@code source} names its state file. */
    public static void requireSame(TrainingState saved, Map<String, String> current, String source) {
        for (Map.Entry<String, String> e : current.entrySet()) {
            String was = saved.config().get(e.getKey());
            if (!e.getValue().equals(was)) {
                throw new CheckpointException(source + ": the checkpoint was written with a different "
                        + PARTS.get(e.getKey()) + ": fingerprint " + was + ", this run's " + e.getValue()
                        + "; resume with the configuration it was written with (the run's config.conf)");
            }
        }
    }

    private static String hash(String text) {
        return ContentHash.of(text).substring(0, 16);
    }
}
