package io.sparkmoe.conf;

/**
 * One thing wrong with a configuration: which key, where it was set, and what is wrong.
 *
 * @param path   the dotted key (or keys, comma separated, for a conflict between keys)
 * @param origin where the value came from: {@code file.conf:12}, a command-line argument, a preset
 * @param message what is wrong and what was expected
 */
public record ConfigProblem(String path, String origin, String message) {

    @Override
    public String toString() {
        return path + (origin.isEmpty() ? "" : " (" + origin + ")") + ": " + message;
    }
}
