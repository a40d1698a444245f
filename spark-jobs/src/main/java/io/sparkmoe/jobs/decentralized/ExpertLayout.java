package io.sparkmoe.jobs.decentralized;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Where decentralized training keeps its experts: {@code <run>/experts/expert-NNN/}, each the native model directory
 * of one expert ({@code config.json}, {@code model.safetensors}, {@code tokenizer.json}) with its own
 * {@code metrics.jsonl} and {@code expert.json} (what it read and how training went). A directory appears whole, by
 * one rename, so one that exists is complete.
 */
final class ExpertLayout {

    static final String EXPERTS = "experts";
    static final String REPORT = "expert.json";

    private ExpertLayout() {
    }

    static Path dir(Path run, int expert) {
        return run.resolve(EXPERTS).resolve(String.format("expert-%03d", expert));
    }

    static boolean complete(Path run, int expert) {
        return Files.isRegularFile(dir(run, expert).resolve(REPORT));
    }
}
