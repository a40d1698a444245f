package io.sparkmoe.jobs.spark;

import com.esotericsoftware.kryo.Kryo;
import io.sparkmoe.data.clean.CleanDocument;
import io.sparkmoe.data.corpus.Document;
import io.sparkmoe.data.features.SubspaceProjection;
import io.sparkmoe.data.shards.ShardEntry;
import io.sparkmoe.jobs.check.ExecutorReport;
import io.sparkmoe.jobs.ep.RankOutcome;
import io.sparkmoe.jobs.ep.RankReport;
import org.apache.spark.serializer.KryoRegistrator;
import org.nd4j.kryo.Nd4jRegistrator;

import java.util.List;

/**
 * Registers every class SparkMoE ships between JVMs: ND4J's arrays (through the Deeplearning4j Spark
 * module's registrator, which knows their off-heap buffers) and our own records. With
 * {@code spark.kryo.registrationRequired=true} a class missing here fails the job, naming the class.
 */
public final class SparkMoeKryoRegistrator implements KryoRegistrator {

    /** Our classes that cross the wire, in a fixed order (Kryo ids follow registration order). */
    static final List<Class<?>> CLASSES = List.of(
            ExecutorReport.class,
            ExecutorReport[].class,
            Document.class,
            CleanDocument.class,
            ShardEntry.class,
            ShardEntry[].class,
            SubspaceProjection.class,
            Object[].class,
            float[].class,
            double[].class,
            long[].class,
            int[].class,
            double[][].class,
            java.util.HashMap.class,
            java.util.ArrayList.class,
            RankReport.class,
            RankOutcome.class,
            byName("org.apache.spark.mllib.clustering.VectorWithNorm"),
            byName("[Lorg.apache.spark.mllib.clustering.VectorWithNorm;"));

    /** Spark classes that are not public (MLlib's k-means ships them between tasks). */
    private static Class<?> byName(String name) {
        try {
            return Class.forName(name, false, SparkMoeKryoRegistrator.class.getClassLoader());
        } catch (ClassNotFoundException e) {
            throw new IllegalStateException("Spark MLlib is not on the class path: " + name, e);
        }
    }

    @Override
    public void registerClasses(Kryo kryo) {
        new Nd4jRegistrator().registerClasses(kryo);
        CLASSES.forEach(kryo::register);
    }
}
