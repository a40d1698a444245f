package io.sparkmoe.exchange;

/**
 * A failed exchange: a timeout, a refused or broken connection, a protocol violation. The message names the rank
 * that reports it, the peer (rank and address where known), and what was expected.
 */
public class ExchangeException extends RuntimeException {

    public ExchangeException(String message) {
        super(message);
    }

    public ExchangeException(String message, Throwable cause) {
        super(message, cause);
    }
}
