package io.sparkmoe.train.checkpoint;

/** A checkpoint that cannot be written or used: the message names the file and what was expected of it. */
public final class CheckpointException extends RuntimeException {

    public CheckpointException(String message) {
        super(message);
    }

    public CheckpointException(String message, Throwable cause) {
        super(message, cause);
    }
}
