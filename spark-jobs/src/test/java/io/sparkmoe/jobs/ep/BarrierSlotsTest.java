package io.sparkmoe.jobs.ep;

import io.sparkmoe.conf.ConfigLoader;
import io.sparkmoe.conf.SparkMoeConfig;
import io.sparkmoe.jobs.spark.SparkSessions;
import org.apache.spark.SparkConf;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The checks before a barrier stage that need no running Spark, and the run secret. */
class BarrierSlotsTest {

    @Test
    void dynamicAllocationIsRefusedSayingWhatToChange() {
        BarrierSlots.refuseDynamicAllocation(new SparkConf(false));
        BarrierSlots.refuseDynamicAllocation(new SparkConf(false).set("spark.dynamicAllocation.enabled", "false"));
        RanksUnavailableException e = assertThrows(RanksUnavailableException.class, () ->
                BarrierSlots.refuseDynamicAllocation(new SparkConf(false).set("spark.dynamicAllocation.enabled", "true")));
        assertTrue(e.getMessage().contains("spark.dynamicAllocation.enabled is true: set it to false"), e.getMessage());
    }

    /** Spark's own barrier slot check is shortened as a second guard, unless the user set it. */
    @Test
    void sparksBarrierCheckGivesUpWithinSeconds() {
        SparkMoeConfig config = ConfigLoader.load(Optional.empty(), List.of()).config();
        SparkConf conf = SparkSessions.sparkConf(config, "t");
        assertEquals(2, conf.getTimeAsSeconds("spark.scheduler.barrier.maxConcurrentTasksCheck.interval"));
        assertEquals(5, conf.getInt("spark.scheduler.barrier.maxConcurrentTasksCheck.maxFailures", 40));
        SparkMoeConfig own = ConfigLoader.load(Optional.empty(),
                List.of("cluster.spark.spark.scheduler.barrier.maxConcurrentTasksCheck.maxFailures=9")).config();
        assertEquals(9, SparkSessions.sparkConf(own, "t").getInt("spark.scheduler.barrier.maxConcurrentTasksCheck.maxFailures", 40));
    }

    @Test
    void everyRunGetsItsOwnSecret() {
        byte[] a = BarrierRanks.newSecret();
        byte[] b = BarrierRanks.newSecret();
        assertEquals(32, a.length);
        assertFalse(java.util.Arrays.equals(a, b));
    }

    @Test
    void peersTravelAsOneLineAndBadOnesAreNamed() {
        Peer p = new Peer(3, "7", "10.0.0.5", 40123);
        assertEquals(p, Peer.decode(p.encode(), 3));
        IllegalStateException wrongRank = assertThrows(IllegalStateException.class, () -> Peer.decode(p.encode(), 2));
        assertTrue(wrongRank.getMessage().contains("rank 2 announced"), wrongRank.getMessage());
        assertThrows(IllegalStateException.class, () -> Peer.decode("3\t7\t10.0.0.5", 3));
        assertThrows(IllegalStateException.class, () -> Peer.decode("3\t7\t10.0.0.5\t0", 3));
    }
}
