package io.sparkmoe.jobs.deploy;

import io.sparkmoe.conf.ConfigLoader;
import io.sparkmoe.conf.JvmOptions;
import io.sparkmoe.jobs.spark.SparkSessions;
import org.apache.spark.SparkConf;
import org.junit.jupiter.api.Test;

import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.Properties;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The example {@code spark-defaults.conf} the build fills in says what the jobs themselves set. */
class SparkDefaultsTest {

    @Test
    void filledInDefaultsAgreeWithWhatJobsSet() throws Exception {
        Path file = Scripts.ROOT.resolve("deploy/spark-runtime/target/spark-defaults.conf");
        assertTrue(Files.isRegularFile(file), file + " is written by mvn package");
        Properties defaults = new Properties();
        try (Reader in = Files.newBufferedReader(file)) {
            defaults.load(in);
        }
        SparkConf jobs = SparkSessions.sparkConf(ConfigLoader.load(Optional.empty(), List.of()).config(), "t");
        for (String key : List.of("spark.serializer", "spark.kryo.registrator", "spark.kryo.registrationRequired",
                "spark.executor.extraJavaOptions", "spark.driver.extraJavaOptions", "spark.executorEnv.OMP_WAIT_POLICY")) {
            assertEquals(jobs.get(key).trim(), defaults.getProperty(key).trim(), key);
        }
        assertEquals(JvmOptions.line(), defaults.getProperty("spark.yarn.am.extraJavaOptions").trim());
        assertEquals("false", defaults.getProperty("spark.dynamicAllocation.enabled"));
        assertEquals("PASSIVE", defaults.getProperty("spark.yarn.appMasterEnv.OMP_WAIT_POLICY"));
        assertEquals("PASSIVE", defaults.getProperty("spark.kubernetes.driverEnv.OMP_WAIT_POLICY"));
    }
}
