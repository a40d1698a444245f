package io.sparkmoe.train.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.sparkmoe.conf.ConfigLoader;
import io.sparkmoe.conf.SparkMoeConfig;
import io.sparkmoe.model.AdamW;
import io.sparkmoe.model.MoeTransformer;
import io.sparkmoe.train.checkpoint.Checkpoint;
import io.sparkmoe.train.checkpoint.CheckpointStore;
import io.sparkmoe.train.checkpoint.CheckpointWriter;
import io.sparkmoe.train.checkpoint.TrainingState;
import org.apache.hadoop.conf.Configuration;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * Checkpoint size and time of the presets' models on the local file system: writing and committing one
 * checkpoint (model and AdamW moments, streamed and hashed), and opening, verifying and restoring it into the live
 * model. Each time is kept as median and minimum of the repetitions. Not a test: run it by hand (docs/model.md,
 * "Checkpoints and resume"); it writes {@code bench/results/checkpoint.json} (or the path given) and prints it.
 * Arguments: output path, then presets (default {@code tiny small}; {@code base} needs a heap of several GB).
 */
public final class CheckpointBenchmark {

    private static final int REPS = 3;

    private CheckpointBenchmark() {
    }

    public static void main(String[] args) throws IOException {
        Path output = Path.of(args.length > 0 ? args[0] : "bench/results/checkpoint.json");
        List<String> presets = args.length > 1 ? Arrays.asList(args).subList(1, args.length) : List.of("tiny", "small");
        Path scratch = Files.createTempDirectory("checkpoint-bench");
        List<Map<String, Object>> rows = new ArrayList<>();
        for (String preset : presets) {
            SparkMoeConfig c = ConfigLoader.load(Optional.empty(), List.of("preset=" + preset)).config();
            MoeTransformer model = new MoeTransformer(c.model(), c.routing(), c.data().tokenizer().vocabSize(),
                    DataType.FLOAT, 1);
            AdamW optimizer = new AdamW(model.parameters(), c.train().optimizer(), c.train().steps());
            CheckpointStore store = CheckpointStore.ofRun(new Configuration(), scratch.resolve(preset).toUri().toString(), 1);
            double[] write = new double[REPS];
            double[] restore = new double[REPS];
            long bytes = 0;
            for (int rep = 0; rep < REPS; rep++) {
                long t0 = System.nanoTime();
                CheckpointWriter w = store.begin(rep + 1);
                CheckpointWriter.Saved saved = w.commit(new TrainingState(rep + 1, rep + 1, List.of(0L), 1, Map.of(), 0),
                        w.writeRank(0, model.parameters().tensors(), optimizer.state()));
                long t1 = System.nanoTime();
                Checkpoint checkpoint = store.open(store.latest().orElseThrow());
                checkpoint.restoreModel(0, model.parameters().tensors());
                checkpoint.restoreOptimizer(0, optimizer.state());
                long t2 = System.nanoTime();
                write[rep] = (t1 - t0) / 1e9;
                restore[rep] = (t2 - t1) / 1e9;
                bytes = saved.bytes();
            }
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("preset", preset);
            row.put("parameters", model.parameters().names().stream().mapToLong(n -> model.parameters().value(n).length()).sum());
            row.put("bytes", bytes);
            row.put("write_commit_s", stats(write));
            row.put("open_verify_restore_s", stats(restore));
            rows.add(row);
        }
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("benchmark", "checkpoint");
        result.put("reps", REPS);
        result.put("available_processors", Runtime.getRuntime().availableProcessors());
        result.put("java", System.getProperty("java.version"));
        result.put("presets", rows);
        ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        Files.createDirectories(output.toAbsolutePath().getParent());
        json.writeValue(output.toFile(), result);
        System.out.println(json.writeValueAsString(result));
    }

    private static Map<String, Double> stats(double[] seconds) {
        double[] s = seconds.clone();
        Arrays.sort(s);
        return Map.of("median", s[s.length / 2], "min", s[0]);
    }
}
