package io.sparkmoe.jobs.deploy;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.yarn.conf.YarnConfiguration;
import org.apache.hadoop.yarn.server.MiniYARNCluster;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code spark-submit --master yarn} of the application jar against a real YARN (a MiniYARNCluster: a
 * ResourceManager and a NodeManager launching containers as separate processes), configured the way a
 * user's cluster is: through {@code HADOOP_CONF_DIR}. See {@code deploy/yarn/README.md}.
 */
class YarnClusterIT {

    @TempDir
    static Path dir;
    static MiniYARNCluster yarn;
    static Path hadoopConf;

    @BeforeAll
    static void start() throws Exception {
        Scripts.assertBuilt();
        YarnConfiguration conf = new YarnConfiguration();
        // The capacity scheduler's queue file is not on the class path; FIFO needs none.
        conf.set(YarnConfiguration.RM_SCHEDULER,
                "org.apache.hadoop.yarn.server.resourcemanager.scheduler.fifo.FifoScheduler");
        conf.setInt(YarnConfiguration.NM_PMEM_MB, 4096);
        conf.setInt(YarnConfiguration.RM_SCHEDULER_MINIMUM_ALLOCATION_MB, 128);
        conf.setBoolean(YarnConfiguration.NM_PMEM_CHECK_ENABLED, false);
        conf.setBoolean(YarnConfiguration.NM_VMEM_CHECK_ENABLED, false);
        conf.setFloat("yarn.nodemanager.disk-health-checker.max-disk-utilization-per-disk-percentage", 99.0f);
        yarn = new MiniYARNCluster("sparkmoe-yarn", 1, 1, 1);
        yarn.init(conf);
        yarn.start();
        hadoopConf = Files.createDirectories(dir.resolve("hadoop-conf"));
        Configuration live = yarn.getConfig();
        try (OutputStream out = Files.newOutputStream(hadoopConf.resolve("yarn-site.xml"))) {
            live.writeXml(out);
        }
        // The client reads the ResourceManager address from here, as from a cluster's configuration.
        Files.copy(hadoopConf.resolve("yarn-site.xml"), hadoopConf.resolve("core-site.xml"));
    }

    @AfterAll
    static void stop() {
        if (yarn != null) {
            yarn.stop();
        }
    }

    /** {@code deploy/submit.sh --master yarn} in client mode with two small executors, as a user runs it. */
    private static Scripts.Result submitToYarn(String... command) throws Exception {
        return Scripts.run(300, "deploy/tools/sh.sh", "HADOOP_CONF_DIR=" + hadoopConf
                + " deploy/submit.sh --master yarn --deploy-mode client --conf spark.executor.instances=2"
                + " --conf spark.executor.memory=512m --conf spark.yarn.am.memory=512m"
                + " --conf spark.scheduler.minRegisteredResourcesRatio=1.0 " + String.join(" ", command));
    }

    @Test
    void checkRunsInYarnContainers() throws Exception {
        Path runs = dir.resolve("runs");
        Scripts.Result r = submitToYarn("check", "--tasks", "2", "run.dir=" + runs, "run.name=yarn");
        assertEquals(0, r.code(), r.output());
        assertTrue(r.output().contains("master yarn") && r.output().contains("check passed"), r.output());
        assertTrue(Files.isRegularFile(runs.resolve("yarn/config.conf")));
        // The tasks ran in executor containers that YARN launched, not in the driver.
        java.util.Set<String> executors = Scripts.executors(r.output());
        assertEquals(2, r.output().lines().filter(l -> l.startsWith("task ")).count(), r.output());
        assertTrue(!executors.isEmpty() && !executors.contains("driver"), r.output());
    }

    @Test
    void dataPreparationRunsInYarnContainers() throws Exception {
        Path output = dir.resolve("prepared");
        Scripts.Result r = submitToYarn(Scripts.smallPrepare(output));
        assertEquals(0, r.code(), r.output());
        assertTrue(Scripts.preparedTrainTokens(output) > 10_000, r.output());
    }
}
