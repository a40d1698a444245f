package io.sparkmoe.jobs.ep;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.PrintStream;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The driver's console progress of {@code train-ep}: follows rank 0's {@code metrics.jsonl} as the rank appends to it
 * and prints a line per logged step ({@code train.log-every}) and per evaluation. The run directory is already
 * shared with the ranks (they write their metrics files there), so following the file needs no channel of its own;
 * a line is printed only once complete (ends with a newline).
 */
final class MetricsTail implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long POLL_MS = 500;

    private final Path file;
    private final PrintStream out;
    private final int logEvery;
    private final int steps;
    private long offset;
    private Thread thread;

    MetricsTail(Path file, PrintStream out, int logEvery, int steps) {
        this.file = file;
        this.out = out;
        this.logEvery = logEvery;
        this.steps = steps;
    }

    /** Follows the file on a daemon thread until {@link #close}. */
    MetricsTail start() {
        thread = new Thread(() -> {
            try {
                while (!Thread.currentThread().isInterrupted()) {
                    poll();
                    Thread.sleep(POLL_MS);
                }
            } catch (InterruptedException e) {
                // closed
            }
        }, "sparkmoe-train-ep-progress");
        thread.setDaemon(true);
        thread.start();
        return this;
    }

    /** Prints the complete lines appended since the last call. */
    synchronized void poll() {
        if (!Files.isRegularFile(file)) {
            return;
        }
        try (RandomAccessFile in = new RandomAccessFile(file.toFile(), "r")) {
            if (in.length() <= offset) {
                return;
            }
            in.seek(offset);
            byte[] bytes = new byte[(int) Math.min(Integer.MAX_VALUE - 8, in.length() - offset)];
            in.readFully(bytes);
            String text = new String(bytes, StandardCharsets.UTF_8);
            int end = text.lastIndexOf('\n');
            if (end < 0) {
                return;
            }
            offset += text.substring(0, end + 1).getBytes(StandardCharsets.UTF_8).length;
            for (String line : text.substring(0, end).split("\n")) {
                print(line);
            }
        } catch (IOException e) {
            out.println("(progress: cannot read " + file + ": " + e.getMessage() + ")");
        }
    }

    private void print(String line) throws IOException {
        if (line.isBlank()) {
            return;
        }
        JsonNode e = JSON.readTree(line);
        int step = e.path("step").asInt();
        String event = e.path("event").asText();
        if (event.equals("step") && (step % logEvery == 0 || step == steps)) {
            out.printf("step %d/%d  loss %.4f  lr %.2e  %.0f tokens/s%n", step, steps, e.path("loss").asDouble(),
                    e.path("lr").asDouble(), e.path("tokens_per_s").asDouble());
        } else if (event.equals("eval")) {
            out.printf("eval at step %d  val_loss %.4f  val_ppl %.2f%n", step, e.path("val_loss").asDouble(),
                    e.path("val_ppl").asDouble());
        } else if (event.equals("checkpoint")) {
            out.printf("checkpoint at step %d%n", step);
        } else if (event.equals(AttemptResume.EVENT)) {
            out.printf("attempt %d resumed after step %d%n", e.path("attempt").asInt(), step);
        }
    }

    /** Stops following, after printing what the file holds by now. */
    @Override
    public void close() {
        if (thread != null) {
            thread.interrupt();
            try {
                thread.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        poll();
    }
}
