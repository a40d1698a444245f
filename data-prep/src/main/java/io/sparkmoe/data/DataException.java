package io.sparkmoe.data;

/**
 * A problem with the data or with prepared outputs. The message always names the file (or path) that is
 * wrong and what is wrong with it, so a user can act on it without a stack trace. Unchecked, because it
 * crosses Spark task boundaries and functional interfaces.
 */
public class DataException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public DataException(String message) {
        super(message);
    }

    public DataException(String message, Throwable cause) {
        super(message, cause);
    }
}
