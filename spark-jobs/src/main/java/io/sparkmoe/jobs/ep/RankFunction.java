package io.sparkmoe.jobs.ep;

import java.io.Serializable;

/**
 * What every rank runs once it knows its peers. It travels to the executors inside the barrier stage's task (Java
 * serialization), so it must be serializable; its result comes back to the driver through Kryo, so the result's
 * class must be registered in {@code SparkMoeKryoRegistrator}.
 *
 * @param <R> one rank's result
 */
@FunctionalInterface
public interface RankFunction<R> extends Serializable {

    R apply(RankContext context) throws Exception;
}
