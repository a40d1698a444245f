package io.sparkmoe.model.io;

/** A model directory that cannot be read or written; the message names the file (and field or tensor) and what was expected. */
public final class ModelFileException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public ModelFileException(String message) {
        super(message);
    }

    public ModelFileException(String message, Throwable cause) {
        super(message, cause);
    }
}
