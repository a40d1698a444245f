package io.sparkmoe.conf;

import java.util.Map;
import java.util.Optional;

import static io.sparkmoe.conf.Key.atLeast;

/**
 * Section {@code cluster}: where jobs run and how ranks are laid out.
 *
 * @param master       Spark master; empty = spark-submit's {@code --master}, else {@code local[*]}
 * @param ranks        N expert-parallel ranks (barrier tasks)
 * @param ranksPerNode emulate nodes on one host by grouping ranks; empty = from executor hosts
 * @param exchange     the token exchange between ranks
 * @param spark        extra Spark settings, passed to the Spark configuration as they are
 */
public record ClusterConfig(Optional<String> master, int ranks, Optional<Integer> ranksPerNode,
                            ExchangeConfig exchange, Map<String, String> spark) {

    static final Key<String> MASTER = Key.optional("cluster.master", ValueType.string(), null,
            "Spark master URL; null = the one spark-submit gives, or local[*] under bin/sparkmoe");
    static final Key<Integer> RANKS = Key.required("cluster.ranks", ValueType.integer(), 2,
            "Expert-parallel ranks N (one barrier task each)").must(atLeast(1), ">= 1");
    static final Key<Integer> RANKS_PER_NODE = Key.optional("cluster.ranks-per-node", ValueType.integer(), null,
            "Group ranks into nodes of this size (emulation on one host); null = by executor host").must(atLeast(1), ">= 1");
    static final Key<Map<String, String>> SPARK = Key.required("cluster.spark", ValueType.stringTable(), Map.of(),
            "Extra Spark settings, e.g. { \"spark.executor.memory\" = 4g }");

    static ClusterConfig read(ConfigReader r) {
        ClusterConfig c = new ClusterConfig(r.getOptional(MASTER), r.get(RANKS), r.getOptional(RANKS_PER_NODE),
                ExchangeConfig.read(r), r.get(SPARK));
        r.check(c.ranksPerNode.map(p -> c.ranks % p == 0).orElse(true), "ranks-per-node ("
                + c.ranksPerNode.orElse(0) + ") must divide ranks (" + c.ranks + ")", RANKS_PER_NODE, RANKS);
        r.check(c.spark.keySet().stream().allMatch(k -> k.startsWith("spark.")),
                "cluster.spark holds Spark settings, whose names start with 'spark.'; got "
                        + c.spark.keySet().stream().filter(k -> !k.startsWith("spark.")).toList(), SPARK);
        return c;
    }
}
