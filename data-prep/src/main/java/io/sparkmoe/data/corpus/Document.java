package io.sparkmoe.data.corpus;

import java.io.Serializable;

/**
 * One document as read: where it came from (file and position, for error messages and a stable order)
 * and its text. A plain class rather than a record so that Spark's Kryo serializer handles it.
 */
public final class Document implements Serializable {

    private static final long serialVersionUID = 1L;

    /** The file it was read from. */
    public final String source;
    /** Its position in that file (line or record number from 0; 0 for one-document files). */
    public final long index;
    public final String text;

    public Document(String source, long index, String text) {
        this.source = source;
        this.index = index;
        this.text = text;
    }

    @Override
    public String toString() {
        return source + "#" + index;
    }
}
