package io.sparkmoe.jobs.ep;

import io.sparkmoe.train.MetricsWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The driver's progress follows a real metrics file as a rank writes it, printing each complete line once. */
class MetricsTailTest {

    @TempDir
    Path dir;

    @Test
    void printsLoggedStepsEvaluationsAndCheckpointsOnceEachAndWaitsForCompleteLines() throws Exception {
        Path file = dir.resolve(MetricsWriter.FILE);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
        MetricsTail tail = new MetricsTail(file, out, 2, 3);
        tail.poll();
        assertEquals("", bytes.toString(StandardCharsets.UTF_8), "no file yet: nothing");
        try (MetricsWriter metrics = new MetricsWriter(file)) {
            for (int step = 1; step <= 2; step++) {
                metrics.write("step", step, Map.of("loss", 5.0 - step, "lr", 0.01, "tokens_per_s", 100.0));
            }
            tail.poll();
            metrics.write("checkpoint", 2, Map.of("dir", "x"));
        }
        Files.writeString(file, "{\"event\":\"step\",\"step\":3,\"loss\":1.5,", StandardOpenOption.APPEND);
        tail.poll();
        assertEquals("step 2/3  loss 3.0000  lr 1.00e-02  100 tokens/s\ncheckpoint at step 2\n",
                bytes.toString(StandardCharsets.UTF_8).replace(System.lineSeparator(), "\n"),
                "step 1 is not a logged step; the half-written line waits");
        Files.writeString(file, "\"lr\":0.001,\"tokens_per_s\":120.0}\n{\"event\":\"eval\",\"step\":3,\"val_loss\":1.25,"
                + "\"val_ppl\":3.49}\n", StandardOpenOption.APPEND);
        tail.close();
        assertEquals("step 2/3  loss 3.0000  lr 1.00e-02  100 tokens/s\ncheckpoint at step 2\n"
                        + "step 3/3  loss 1.5000  lr 1.00e-03  120 tokens/s\neval at step 3  val_loss 1.2500  val_ppl 3.49\n",
                bytes.toString(StandardCharsets.UTF_8).replace(System.lineSeparator(), "\n"));
    }

    @Test
    void printsARerunsResume() throws Exception {
        Path file = dir.resolve(MetricsWriter.FILE);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        MetricsTail tail = new MetricsTail(file, new PrintStream(bytes, true, StandardCharsets.UTF_8), 5, 20);
        try (MetricsWriter metrics = new MetricsWriter(file)) {
            metrics.write(AttemptResume.EVENT, 5, Map.of("rank", 0, "attempt", 1, "from", "x/step-00000005"));
        }
        tail.close();
        assertEquals("attempt 1 resumed after step 5\n",
                bytes.toString(StandardCharsets.UTF_8).replace(System.lineSeparator(), "\n"));
    }
}
