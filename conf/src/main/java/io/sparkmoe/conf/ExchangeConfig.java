package io.sparkmoe.conf;

import java.util.List;

import static io.sparkmoe.conf.Key.atLeast;

/**
 * Section {@code cluster.exchange}: the all-to-all between ranks.
 *
 * @param kind             {@code in-process} (ranks as threads) or {@code network} (between executor JVMs)
 * @param connectTimeoutMs a peer that does not accept within this time fails the stage
 * @param readTimeoutMs    a peer silent for this long fails the stage
 * @param maxFrameBytes    largest frame accepted
 */
public record ExchangeConfig(String kind, int connectTimeoutMs, int readTimeoutMs, int maxFrameBytes) {

    public static final List<String> KINDS = List.of("in-process", "network");

    static final Key<String> KIND = Key.required("cluster.exchange.kind", ValueType.choice(KINDS), "network",
            "in-process (ranks as threads in one JVM) or network (between executor JVMs)");
    static final Key<Integer> CONNECT_TIMEOUT = Key.required("cluster.exchange.connect-timeout-ms", ValueType.integer(),
            30_000, "Connect timeout to a peer, ms").must(atLeast(1), ">= 1");
    static final Key<Integer> READ_TIMEOUT = Key.required("cluster.exchange.read-timeout-ms", ValueType.integer(),
            120_000, "A peer silent this long fails the stage, ms").must(atLeast(1), ">= 1");
    static final Key<Integer> MAX_FRAME = Key.required("cluster.exchange.max-frame-bytes", ValueType.integer(),
            256 << 20, "Largest frame accepted, bytes").must(atLeast(1024), ">= 1024");

    static ExchangeConfig read(ConfigReader r) {
        return new ExchangeConfig(r.get(KIND), r.get(CONNECT_TIMEOUT), r.get(READ_TIMEOUT), r.get(MAX_FRAME));
    }
}
