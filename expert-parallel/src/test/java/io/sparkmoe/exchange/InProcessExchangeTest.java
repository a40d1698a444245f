package io.sparkmoe.exchange;

import java.time.Duration;
import java.util.List;

/** The exchange contract with ranks as threads. */
class InProcessExchangeTest extends ExchangeContract {

    @Override
    List<? extends Exchange> open(Topology topology, Duration timeout) {
        return InProcessExchange.group(topology, timeout).ranks();
    }
}
