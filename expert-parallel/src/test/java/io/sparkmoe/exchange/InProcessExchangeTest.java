package io.sparkmoe.exchange;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

class InProcessExchangeTest extends ExchangeContract {

    @Override
    List<? extends Exchange> open(Topology topology, Duration timeout) {
        return InProcessExchange.group(topology, timeout).ranks();
    }

    @Test
    void aRankThatClosesFailsTheOthersAtOnce() {
        List<Ranks.Outcome<Void>> outcomes = Ranks.run(ranks(twoNodes(2), PATIENT), exchange -> {
            if (exchange.rank() == 0) {
                exchange.close();
            } else {
                exchange.barrier(Tag.global(Tag.Phase.BARRIER));
            }
            return null;
        });
        Throwable failure = outcomes.get(1).failure();
        assertInstanceOf(ExchangeException.class, failure);
        assertTrue(failure.getMessage().contains("rank 0 closed its exchange"), failure.getMessage());
    }
}
