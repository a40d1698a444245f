package io.sparkmoe.data.prepare;

import io.sparkmoe.data.DataException;

/** Checks shared by the single-JVM and Spark paths of prepare, so both fail with the same words. */
public final class Preconditions {

    private Preconditions() {
    }

    /** An input that leaves no document after cleaning is an error, not an empty output. */
    public static void nonEmpty(long documents, String input) {
        if (documents == 0) {
            throw new DataException(input + ": empty corpus (no document left after reading and cleaning;"
                    + " check data.format, data.text-field and data.min-chars)");
        }
    }
}
