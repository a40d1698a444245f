package io.sparkmoe.jobs.spark;

import io.sparkmoe.conf.ConfigLoader;
import io.sparkmoe.conf.SparkMoeConfig;
import io.sparkmoe.engine.BackendProbe;
import io.sparkmoe.jobs.check.CheckCommand;
import io.sparkmoe.jobs.check.ExecutorReport;
import org.apache.spark.SparkConf;
import org.apache.spark.SparkException;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The stack works together on JDK 17: Spark on {@code local[2]} with Kryo and
 * {@code spark.kryo.registrationRequired=true}, ND4J computing inside executor tasks, and ND4J arrays
 * shipped back through Kryo.
 */
class SparkStackIT {

    static SparkSession spark;
    static JavaSparkContext sc;

    @BeforeAll
    static void start() {
        SparkMoeConfig config = ConfigLoader.load(Optional.empty(),
                List.of("cluster.master=local[2]", "cluster.spark.spark.ui.enabled=false")).config();
        spark = SparkSessions.start(config, "stack-it");
        sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    }

    @AfterAll
    static void stop() {
        spark.stop();
    }

    @Test
    void sessionUsesKryoWithRegistrationRequiredAndTheJdk17Options() {
        SparkConf conf = sc.getConf();
        assertEquals("local[2]", conf.get("spark.master"));
        assertEquals("org.apache.spark.serializer.KryoSerializer", conf.get("spark.serializer"));
        assertEquals("true", conf.get("spark.kryo.registrationRequired"));
        assertTrue(conf.get("spark.executor.extraJavaOptions").contains("--add-opens=java.base/sun.nio.ch=ALL-UNNAMED"));
        assertEquals("false", conf.get("spark.ui.enabled"), "cluster.spark settings reach Spark");
    }

    @Test
    void nd4jComputesInsideExecutorsAndItsArraysTravelThroughKryo() {
        long seed = 42;
        List<ExecutorReport> reports = CheckCommand.probe(sc, 4, seed);
        assertEquals(List.of(0, 1, 2, 3), reports.stream().map(r -> r.partition).toList());
        double[][] expected = BackendProbe.reference(seed, 64);
        for (ExecutorReport r : reports) {
            assertEquals("CPU", r.backend);
            assertEquals(List.of(64L, 64L), List.of(r.product.shape()[0], r.product.shape()[1]));
            assertTrue(CheckCommand.maxAbsDiff(r.product, expected) < 1e-3);
        }
        // A different seed gives a different product: the comparison is not vacuous.
        assertNotEquals(0.0, CheckCommand.maxAbsDiff(reports.get(0).product, BackendProbe.reference(seed + 1, 64)));
    }

    /** A class nobody registered. */
    static final class Unregistered implements java.io.Serializable {
        private static final long serialVersionUID = 1L;
        int value = 7;
    }

    @Test
    void anUnregisteredClassFailsTheJobByName() {
        SparkException e = assertThrows(SparkException.class, () ->
                sc.parallelize(List.of(1, 2), 2).map(i -> new Unregistered()).collect());
        String text = String.valueOf(e.getMessage());
        assertTrue(text.contains("Class is not registered") && text.contains("Unregistered"), text);
    }
}
