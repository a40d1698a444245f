package io.sparkmoe.data.clean;

import io.sparkmoe.data.corpus.Document;

import java.io.Serializable;

/**
 * Turns a read document into a {@link CleanDocument} or drops it (counted by reason): normalise, check the
 * length bounds, hash, choose the split. Serializable so a Spark task can carry it.
 */
public final class DocumentCleaner implements Serializable {

    private static final long serialVersionUID = 1L;

    private final int minChars;
    private final int maxChars;
    private final double valFraction;

    public DocumentCleaner(int minChars, int maxChars, double valFraction) {
        this.minChars = minChars;
        this.maxChars = maxChars;
        this.valFraction = valFraction;
    }

    /** The cleaned document, or {@code null} when dropped; {@code counts} records why. */
    public CleanDocument clean(Document d, CleanCounts counts) {
        String text = TextCleaner.normalize(d.text);
        TextCleaner.Verdict v = new TextCleaner(minChars, maxChars).judge(text);
        if (v == TextCleaner.Verdict.TOO_SHORT) {
            counts.tooShort++;
            return null;
        }
        if (v == TextCleaner.Verdict.TOO_LONG) {
            counts.tooLong++;
            return null;
        }
        counts.kept++;
        String hash = ContentHash.of(text);
        return new CleanDocument(hash, ContentHash.split(hash, valFraction), text, d.source, d.index);
    }
}
