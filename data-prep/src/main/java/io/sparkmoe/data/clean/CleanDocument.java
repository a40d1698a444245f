package io.sparkmoe.data.clean;

import java.io.Serializable;
import java.util.Comparator;

/**
 * A normalised document that passed the length bounds, with its content hash and split. A plain class so
 * that Spark's Kryo serializer ships it.
 */
public final class CleanDocument implements Serializable {

    private static final long serialVersionUID = 1L;

    /**
     * Which of several exact duplicates is kept: the first in input order (file name, then position), so
     * the choice does not depend on how the input was partitioned.
     */
    public static final Comparator<CleanDocument> INPUT_ORDER =
            Comparator.<CleanDocument, String>comparing(d -> d.source).thenComparingLong(d -> d.index);

    public final String hash;
    public final String split;
    public final String text;
    public final String source;
    public final long index;

    public CleanDocument(String hash, String split, String text, String source, long index) {
        this.hash = hash;
        this.split = split;
        this.text = text;
        this.source = source;
        this.index = index;
    }

    /** The one of two duplicates to keep. */
    public static CleanDocument keep(CleanDocument a, CleanDocument b) {
        return INPUT_ORDER.compare(a, b) <= 0 ? a : b;
    }
}
