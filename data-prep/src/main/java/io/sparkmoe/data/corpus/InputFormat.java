package io.sparkmoe.data.corpus;

import java.util.Locale;

/**
 * How documents are laid out in an input file ({@code data.format}). {@code auto} is resolved per file:
 * a name ending in {@code .jsonl} (before any compression suffix) is JSONL, anything else one document
 * per file.
 */
public enum InputFormat {
    TEXT_FILE, TEXT_LINES, JSONL,
    /** The embedded Europarl sample: tab-separated title, date and body; the body is the document. */
    EUROPARL;

    /** The format of {@code fileName} under the configured {@code format} (auto, text-file, text-lines, jsonl). */
    public static InputFormat resolve(String format, String fileName) {
        switch (format) {
            case "text-file":
                return TEXT_FILE;
            case "text-lines":
                return TEXT_LINES;
            case "jsonl":
                return JSONL;
            case "auto":
                String name = fileName.toLowerCase(Locale.ROOT).replaceAll("\\.(gz|bz2|deflate|lz4|snappy|zst)$", "");
                return name.endsWith(".jsonl") ? JSONL : TEXT_FILE;
            default:
                throw new IllegalArgumentException("unknown data.format '" + format + "'");
        }
    }
}
