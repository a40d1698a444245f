package io.sparkmoe.parallel;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Ranks as threads agree through the coordinator, round after round, and a missing or failed rank fails the rest. */
class ThreadCoordinatorTest {

    private final ExecutorService pool = Executors.newFixedThreadPool(3);

    @AfterEach
    void stop() {
        pool.shutdownNow();
    }

    @Test
    void everyRankGetsEveryMessageInRankOrderEachRound() throws Exception {
        ThreadCoordinator.Group group = ThreadCoordinator.group(3, Duration.ofSeconds(30));
        List<Future<List<String[]>>> futures = new ArrayList<>();
        for (int r = 0; r < 3; r++) {
            ThreadCoordinator me = group.rank(r);
            int rank = r;
            futures.add(pool.submit(() -> {
                List<String[]> rounds = new ArrayList<>();
                for (int round = 0; round < 50; round++) {
                    rounds.add(me.allGather(rank + "@" + round));
                }
                return rounds;
            }));
        }
        for (Future<List<String[]>> f : futures) {
            List<String[]> rounds = f.get();
            for (int round = 0; round < 50; round++) {
                assertArrayEquals(new String[]{"0@" + round, "1@" + round, "2@" + round}, rounds.get(round));
            }
        }
    }

    @Test
    void aRankThatNeverCallsFailsTheOthersNamingIt() {
        ThreadCoordinator.Group group = ThreadCoordinator.group(3, Duration.ofMillis(200));
        Future<String[]> zero = pool.submit(() -> group.rank(0).allGather("a"));
        Future<String[]> two = pool.submit(() -> group.rank(2).allGather("c"));
        for (Future<String[]> f : List.of(zero, two)) {
            ExecutionException e = assertThrows(ExecutionException.class, f::get);
            assertTrue(e.getCause().getMessage().contains("in allGather for rank(s) 1"), e.getCause().getMessage());
        }
    }

    @Test
    void aFailedRankBreaksTheGroupAtOnce() {
        ThreadCoordinator.Group group = ThreadCoordinator.group(2, Duration.ofMinutes(5));
        Future<String[]> waiting = pool.submit(() -> group.rank(0).allGather("a"));
        group.fail("rank 1 failed: disk full");
        ExecutionException e = assertThrows(ExecutionException.class, waiting::get);
        assertTrue(e.getCause().getMessage().contains("rank 1 failed: disk full"), e.getCause().getMessage());
        IllegalStateException later = assertThrows(IllegalStateException.class, () -> group.rank(1).allGather("b"));
        assertTrue(later.getMessage().contains("broken"), later.getMessage());
    }
}
