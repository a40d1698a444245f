package io.sparkmoe.exchange;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What every {@link Exchange} must do, run against each implementation by a subclass: payloads arrive where
 * they were sent, the all-reduce equals the sequential sum to the bit, bytes are counted per class, a missing
 * or out-of-step rank fails the others with an error naming it, and dispatch/combine round-trip through it.
 */
@Timeout(120)
abstract class ExchangeContract {

    /** A generous timeout for calls that must succeed; never reached unless something is broken. */
    static final Duration PATIENT = Duration.ofSeconds(60);
    /** A short timeout for calls that must fail because a rank is missing. */
    static final Duration IMPATIENT = Duration.ofMillis(500);

    private final List<Exchange> opened = new ArrayList<>();

    /** The exchanges of all ranks of {@code topology}, whose receives give up after {@code timeout}. */
    abstract List<? extends Exchange> open(Topology topology, Duration timeout);

    final List<? extends Exchange> ranks(Topology topology, Duration timeout) {
        List<? extends Exchange> exchanges = open(topology, timeout);
        opened.addAll(exchanges);
        return exchanges;
    }

    @AfterEach
    void closeAll() {
        opened.forEach(Exchange::close);
        opened.clear();
    }

    /** Two nodes with half the ranks each (for 2 ranks: one rank per node). */
    static Topology twoNodes(int ranks) {
        List<String> nodes = new ArrayList<>();
        for (int rank = 0; rank < ranks; rank++) {
            nodes.add(rank < ranks / 2 ? "a" : "b");
        }
        return Topology.of(nodes);
    }

    @ParameterizedTest
    @ValueSource(ints = {2, 4})
    void allToAllDeliversEveryPayloadToItsRank(int n) {
        List<List<Payload>> received = Ranks.all(ranks(twoNodes(n), PATIENT), exchange -> {
            List<Payload> out = new ArrayList<>();
            for (int to = 0; to < n; to++) {
                out.add(message(exchange.rank(), to));
            }
            exchange.allToAll(Tag.of(0, Tag.Phase.DISPATCH), out);
            return exchange.allToAll(Tag.of(1, Tag.Phase.DISPATCH), out); // a second call: sequencing works
        });
        for (int to = 0; to < n; to++) {
            for (int from = 0; from < n; from++) {
                Payload expected = message(from, to);
                Payload got = received.get(to).get(from);
                assertArrayEquals(expected.floats(), got.floats(), "floats " + from + " -> " + to);
                assertArrayEquals(expected.ints(), got.ints(), "ints " + from + " -> " + to);
            }
        }
    }

    /** A payload of a size and content particular to (from, to), sometimes empty. */
    static Payload message(int from, int to) {
        float[] floats = new float[(from + 2 * to) % 5];
        for (int i = 0; i < floats.length; i++) {
            floats[i] = from * 100 + to * 10 + i + 0.5f;
        }
        int[] ints = new int[(from + to) % 3];
        for (int i = 0; i < ints.length; i++) {
            ints[i] = -(from * 100 + to * 10 + i);
        }
        return Payload.of(floats, ints);
    }

    @ParameterizedTest
    @ValueSource(ints = {2, 4})
    void allReduceEqualsTheSequentialSumInRankOrderOnEveryRank(int n) {
        for (int length : new int[] {0, 3, 37}) {
            float[][] values = new float[n][length];
            Random random = new Random(17 + length);
            for (float[] row : values) {
                for (int i = 0; i < length; i++) {
                    row[i] = (float) (random.nextGaussian() * Math.pow(10, random.nextInt(7) - 3));
                }
            }
            float[] expected = new float[length];
            for (int i = 0; i < length; i++) {
                float sum = values[0][i];
                for (int rank = 1; rank < n; rank++) {
                    sum += values[rank][i];
                }
                expected[i] = sum;
            }
            List<float[]> sums = Ranks.all(ranks(twoNodes(n), PATIENT),
                    exchange -> exchange.allReduceSum(Tag.global(Tag.Phase.ALL_REDUCE), values[exchange.rank()]));
            for (int rank = 0; rank < n; rank++) {
                assertArrayEquals(expected, sums.get(rank), "rank " + rank + ", length " + length);
            }
            closeAll();
        }
    }

    @Test
    void allReduceOfArraysOfDifferentLengthsFailsNamingTheRank() {
        List<Ranks.Outcome<float[]>> outcomes = Ranks.run(ranks(twoNodes(2), PATIENT),
                exchange -> exchange.allReduceSum(Tag.global(Tag.Phase.ALL_REDUCE), new float[4 + exchange.rank()]));
        Throwable failure = outcomes.get(0).failure();
        assertInstanceOf(ExchangeException.class, failure);
        assertTrue(failure.getMessage().contains("from rank 1"), failure.getMessage());
        assertTrue(failure.getMessage().contains("same length"), failure.getMessage());
    }

    @Test
    void bytesAreCountedPerClassAndTag() {
        // Ranks 0,1 on node a, 2,3 on node b; rank r sends (r + 1) * (to + 1) floats and one int to rank `to`.
        Topology topology = twoNodes(4);
        Tag tag = Tag.of(3, Tag.Phase.COMBINE);
        List<TrafficCounter.Snapshot> counts = Ranks.all(ranks(topology, PATIENT), exchange -> {
            List<Payload> out = new ArrayList<>();
            for (int to = 0; to < 4; to++) {
                out.add(Payload.of(new float[(exchange.rank() + 1) * (to + 1)], new int[1]));
            }
            exchange.allToAll(tag, out);
            exchange.barrier(Tag.global(Tag.Phase.BARRIER));
            return exchange.traffic().snapshot();
        });
        // Rank 1: to itself 2*2 floats + 1 int = 20 bytes; to rank 0 (same node) 2*1+1 = 12 bytes;
        // to ranks 2 and 3 (node b) (2*3+1 + 2*4+1) * 4 = 64 bytes.
        TrafficCounter.Snapshot rank1 = counts.get(1);
        assertEquals(20, rank1.bytes(tag, TrafficClass.SAME_RANK));
        assertEquals(12, rank1.bytes(tag, TrafficClass.SAME_NODE));
        assertEquals(64, rank1.bytes(tag, TrafficClass.REMOTE));
        // Rank 2: itself 3*3+1 = 40 bytes; rank 3: 3*4+1 = 52 bytes; ranks 0,1: (3*1+1 + 3*2+1) * 4 = 44 bytes.
        assertEquals(40, counts.get(2).bytes(TrafficClass.SAME_RANK));
        assertEquals(52, counts.get(2).bytes(TrafficClass.SAME_NODE));
        assertEquals(44, counts.get(2).bytes(TrafficClass.REMOTE));
        assertEquals(0, counts.get(2).bytes(Tag.global(Tag.Phase.BARRIER), TrafficClass.REMOTE));
        assertTrue(counts.get(2).byTag().containsKey(Tag.global(Tag.Phase.BARRIER)));
    }

    @ParameterizedTest
    @ValueSource(ints = {2, 4})
    void aRankThatNeverCallsFailsTheOthersNamingIt(int n) {
        int missing = 0; // every other rank receives from rank 0 first, so rank 0 is the one each waits for
        List<Ranks.Outcome<Void>> outcomes = Ranks.run(ranks(twoNodes(n), IMPATIENT), exchange -> {
            if (exchange.rank() != missing) {
                exchange.barrier(Tag.global(Tag.Phase.BARRIER));
            }
            return null;
        });
        for (int rank = 1; rank < n; rank++) {
            Throwable failure = outcomes.get(rank).failure();
            assertNotNull(failure, "rank " + rank + " should have failed");
            assertInstanceOf(ExchangeException.class, failure);
            assertTrue(failure.getMessage().contains("for rank " + missing), failure.getMessage());
            assertTrue(failure.getMessage().contains("nothing arrived"), failure.getMessage());
        }
    }

    @Test
    void aRankThatClosesFailsTheOthersNamingIt() {
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
        assertTrue(failure.getMessage().contains("rank 0"), failure.getMessage());
        assertTrue(failure.getMessage().contains("closed"), failure.getMessage());
    }

    @Test
    void ranksOutOfStepAreReportedAsSuch() {
        List<Ranks.Outcome<Void>> outcomes = Ranks.run(ranks(twoNodes(2), PATIENT), exchange -> {
            exchange.barrier(Tag.of(exchange.rank(), Tag.Phase.BARRIER));
            return null;
        });
        Throwable failure = outcomes.get(0).failure();
        assertInstanceOf(ExchangeException.class, failure);
        assertTrue(failure.getMessage().contains("out of step"), failure.getMessage());
        assertTrue(failure.getMessage().contains("layer 1 BARRIER"), failure.getMessage());
    }

    @ParameterizedTest
    @ValueSource(ints = {2, 4})
    void identityExpertsRoundTripValuesAndGradients(int n) {
        Topology topology = twoNodes(n);
        RoundTrip.Scenario scenario = RoundTrip.Scenario.random(n, 6, 3, 5, false, 41 + n);
        List<RoundTrip.Result> results = Ranks.all(ranks(topology, PATIENT),
                exchange -> RoundTrip.run(exchange, scenario, true));
        for (int rank = 0; rank < n; rank++) {
            RoundTrip.expectIdentity(scenario, rank, results.get(rank), 1e-6f);
        }
    }
}
