package io.sparkmoe.jobs.ep;

/** The cluster cannot run the ranks of a barrier stage at once; the message says what to change. */
public final class RanksUnavailableException extends IllegalStateException {

    private static final long serialVersionUID = 1L;

    public RanksUnavailableException(String message) {
        super(message);
    }
}
