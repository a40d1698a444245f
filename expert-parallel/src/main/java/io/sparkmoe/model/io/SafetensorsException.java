package io.sparkmoe.model.io;

/** A safetensors file that cannot be read as one: the message names the file (and tensor) and what is wrong. */
public final class SafetensorsException extends RuntimeException {

    public SafetensorsException(String message) {
        super(message);
    }

    public SafetensorsException(String message, Throwable cause) {
        super(message, cause);
    }
}
