package io.sparkmoe.jobs.spark;

import io.sparkmoe.conf.JvmOptions;
import io.sparkmoe.conf.SparkMoeConfig;
import io.sparkmoe.train.NativeThreads;
import org.apache.spark.SparkConf;
import org.apache.spark.sql.SparkSession;

import java.util.Map;

/**
 * Starts Spark the same way for every job, under {@code bin/sparkmoe} and under {@code spark-submit}.
 *
 * <p>Kryo with {@code registrationRequired}: an unregistered class fails loudly instead of silently
 * writing its class name into every record. The JDK 17 options go to the executors (the driver got them
 * from the launcher or from spark-submit's {@code --driver-java-options}).
 */
public final class SparkSessions {

    static final String DEFAULT_LOCAL_MASTER = "local[*]";

    private SparkSessions() {
    }

    /** A session for {@code appName}, configured from {@code config}. */
    public static SparkSession start(SparkMoeConfig config, String appName) {
        return SparkSession.builder().config(sparkConf(config, appName)).getOrCreate();
    }

    /**
     * The Spark configuration: what spark-submit already set (system properties), then ours, then the
     * user's {@code cluster.spark} table, which wins.
     */
    public static SparkConf sparkConf(SparkMoeConfig config, String appName) {
        SparkConf conf = new SparkConf(true);
        conf.setIfMissing("spark.app.name", appName);
        config.cluster().master().ifPresentOrElse(conf::setMaster, () -> conf.setIfMissing("spark.master", DEFAULT_LOCAL_MASTER));
        conf.set("spark.serializer", "org.apache.spark.serializer.KryoSerializer");
        conf.set("spark.kryo.registrator", SparkMoeKryoRegistrator.class.getName());
        conf.set("spark.kryo.registrationRequired", "true");
        conf.setIfMissing("spark.ui.showConsoleProgress", "false");
        // A second guard behind BarrierSlots: Spark's own slot check for barrier stages gives up after
        // ~10 s instead of its default 40 retries x 15 s.
        conf.setIfMissing("spark.scheduler.barrier.maxConcurrentTasksCheck.interval", "2s");
        conf.setIfMissing("spark.scheduler.barrier.maxConcurrentTasksCheck.maxFailures", "5");
        appendJavaOptions(conf, "spark.executor.extraJavaOptions");
        appendJavaOptions(conf, "spark.driver.extraJavaOptions");
        // every executor's ND4J runs with the passive OpenMP wait policy (read when the OpenMP runtime loads)
        conf.setIfMissing("spark.executorEnv." + NativeThreads.WAIT_POLICY_VARIABLE, NativeThreads.WAIT_POLICY);
        for (Map.Entry<String, String> e : config.cluster().spark().entrySet()) {
            conf.set(e.getKey(), e.getValue());
        }
        return conf;
    }

    private static void appendJavaOptions(SparkConf conf, String key) {
        String existing = conf.get(key, "").trim();
        String ours = JvmOptions.line();
        if (!existing.contains(ours)) {
            conf.set(key, (existing + " " + ours).trim());
        }
    }
}
