package io.sparkmoe.train;

import java.io.BufferedWriter;
import java.io.Closeable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Appends events to a run's {@code metrics.jsonl}: one JSON object per line with {@code event}, {@code step} and
 * {@code time} (seconds since the writer opened, i.e. since the run started), then the event's own fields. Each
 * line is flushed as it is written so that a crashed or still-running run can be read (and plotted) as it goes.
 * A resumed run appends to the same file ({@link #continuing}), its clock going on from the checkpoint's.
 */
public final class MetricsWriter implements Closeable {

    public static final String FILE = "metrics.jsonl";

    private static final ObjectMapper JSON = new ObjectMapper();

    private final BufferedWriter out;
    private final long start;

    /** A new file (an existing one is replaced), its clock at zero. */
    public MetricsWriter(Path file) throws IOException {
        this(Files.newBufferedWriter(file, StandardCharsets.UTF_8), 0);
    }

    private MetricsWriter(BufferedWriter out, double secondsBefore) {
        this.out = out;
        this.start = System.nanoTime() - (long) (secondsBefore * 1e9);
    }

    /** Appends to {@code file} (created if missing), the clock starting at {@code secondsBefore}. */
    public static MetricsWriter continuing(Path file, double secondsBefore) throws IOException {
        return new MetricsWriter(Files.newBufferedWriter(file, StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                StandardOpenOption.APPEND), secondsBefore);
    }

    /** Seconds on this run's clock: the {@code time} an event written now gets. */
    public double elapsed() {
        return (System.nanoTime() - start) / 1e9;
    }

    /** Writes one event; {@code fields} values are anything Jackson serialises (numbers, arrays, maps, null). */
    public void write(String event, int step, Map<String, ?> fields) {
        ObjectNode line = JSON.createObjectNode();
        line.put("event", event);
        line.put("step", step);
        line.put("time", elapsed());
        fields.forEach((k, v) -> line.set(k, JSON.valueToTree(v)));
        try {
            out.write(JSON.writeValueAsString(line));
            out.newLine();
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write metrics: " + e.getMessage(), e);
        }
    }

    @Override
    public void close() throws IOException {
        out.close();
    }
}
