package io.sparkmoe.jobs;

import io.sparkmoe.conf.ResolvedConfig;
import io.sparkmoe.conf.RunConfig;
import io.sparkmoe.jobs.logging.Logs;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;

/**
 * The directory a run writes into: {@code <run.dir>/<run.name>}, holding the fully resolved
 * {@code config.conf} and {@code driver.log} (every library's INFO and above) from the start, and later
 * metrics, checkpoints and exports (DESIGN.md, "Formats").
 *
 * @param path the run directory
 */
public record RunDirectory(Path path) {

    public static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss");

    /**
     * Creates a fresh run directory for {@code command}, writes the configuration and sends the full log
     * there. A named run that already exists is refused rather than mixed with an earlier one.
     */
    public static RunDirectory create(String command, ResolvedConfig config) throws IOException {
        RunConfig run = config.config().run();
        Path parent = Path.of(run.dir());
        Files.createDirectories(parent);
        Path dir;
        if (run.name().isPresent()) {
            dir = parent.resolve(run.name().get());
            try {
                Files.createDirectory(dir);
            } catch (FileAlreadyExistsException e) {
                throw new IOException("run directory " + dir + " already exists: choose another run.name"
                        + " or remove it", e);
            }
        } else {
            dir = createUnique(parent, command + "-" + LocalDateTime.now().format(STAMP));
        }
        RunDirectory rd = new RunDirectory(dir);
        rd.writeAtomically("config.conf", config.render());
        Logs.attachFile(dir.resolve("driver.log"));
        return rd;
    }

    /**
     * Continues in an existing run directory (a resumed run): its {@code config.conf} stays as the run's record,
     * {@code driver.log} and {@code metrics.jsonl} are appended to.
     */
    public static RunDirectory reopen(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            throw new FileNotFoundException("run directory " + dir + " does not exist: nothing to continue");
        }
        Logs.attachFile(dir.resolve("driver.log"));
        return new RunDirectory(dir);
    }

    private static Path createUnique(Path parent, String base) throws IOException {
        for (int i = 0; ; i++) {
            Path dir = parent.resolve(i == 0 ? base : base + "-" + i);
            try {
                return Files.createDirectory(dir);
            } catch (FileAlreadyExistsException e) {
                // taken by a run started in the same second: try the next suffix
            }
        }
    }

    /** Writes {@code name} whole or not at all: a temporary file, then an atomic rename. */
    public Path writeAtomically(String name, String text) throws IOException {
        Path target = path.resolve(name);
        Path tmp = path.resolve("." + name + ".tmp");
        Files.writeString(tmp, text, StandardCharsets.UTF_8);
        return Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }
}
