package io.sparkmoe.jobs.prepare;

import io.sparkmoe.conf.DataConfig;
import io.sparkmoe.conf.DocumentClustersConfig;
import io.sparkmoe.data.bpe.Tokenizer;
import io.sparkmoe.data.bpe.TokenizerJson;
import io.sparkmoe.data.clean.CleanDocument;
import io.sparkmoe.data.features.BalancedAssignment;
import io.sparkmoe.data.features.ClusterSummary;
import io.sparkmoe.data.features.FeatureModel;
import io.sparkmoe.data.features.SparseVector;
import io.sparkmoe.data.features.SubspaceProjection;
import io.sparkmoe.data.features.TermHasher;
import io.sparkmoe.data.features.TfIdf;
import io.sparkmoe.data.prepare.PreparedOutput;
import io.sparkmoe.data.shards.HadoopFiles;
import io.sparkmoe.data.shards.Manifest;
import io.sparkmoe.data.shards.ShardEntry;
import io.sparkmoe.data.shards.ShardLayout;
import org.apache.hadoop.fs.Path;
import org.apache.spark.HashPartitioner;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.mllib.clustering.KMeans;
import org.apache.spark.mllib.clustering.KMeansModel;
import org.apache.spark.mllib.linalg.Vector;
import org.apache.spark.mllib.linalg.Vectors;
import org.apache.spark.storage.StorageLevel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import scala.Tuple2;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Document clustering for decentralized training, in {@code data.output}/clusters: hashed TF-IDF features
 * (data-prep's {@link TfIdf}), k-means on Spark MLlib (optionally two-stage: {@code fine-count} clusters,
 * then their centroids into K; optionally balanced with a size cap, {@link BalancedAssignment}), then the
 * cluster of every document ({@code documents.tsv}), the centroid model ({@code centroids.json}), a
 * report, and cluster-partitioned shards with their own manifest (and a copy of the tokenizer).
 */
public final class ClusterJob {

    private static final Logger LOG = LoggerFactory.getLogger(ClusterJob.class);
    static final String DIR = "clusters";

    private ClusterJob() {
    }

    /**
     * Partitions the documents are clustered in, whatever the cores or input partitions. MLlib's k-means||
     * samples its initial centres per partition (seed xor partition index), so the layout must not follow
     * {@code defaultParallelism}; and Spark merges partition results (k-means sums, centroid sums) in task
     * completion order, which is exact only for two operands (a + b == b + a; three reassociate).
     */
    static final int PARTITIONS = 2;

    /** What clustering produced. */
    public record Result(Manifest manifest, FeatureModel model, Map<String, Integer> clusterOf) {
    }

    public static Result run(JavaSparkContext sc, DataConfig data, HadoopConf conf, JavaRDD<CleanDocument> unique,
                             Tokenizer tokenizer, long seed) {
        DocumentClustersConfig cfg = data.clusters();
        int k = cfg.count().orElseThrow();
        // A fixed partitioning and order, so k-means sees the same data layout on every run (see PARTITIONS).
        JavaRDD<CleanDocument> docs = unique.mapToPair(d -> new Tuple2<>(d.hash, d))
                .repartitionAndSortWithinPartitions(new HashPartitioner(PARTITIONS))
                .values().persist(StorageLevel.MEMORY_AND_DISK());
        TermHasher hasher = new TermHasher(cfg.features());
        long n = docs.count();
        long[] df = new long[cfg.features()];
        docs.flatMap(d -> {
            SparseVector tf = hasher.termFrequencies(d.text);
            List<Integer> dims = new ArrayList<>(tf.indices().length);
            for (int i : tf.indices()) {
                dims.add(i);
            }
            return dims.iterator();
        }).countByValue().forEach((dim, count) -> df[dim] = count);
        TfIdf tfIdf = new TfIdf(hasher, df, n);
        JavaRDD<Vector> vectors = docs.map(d -> mllib(tfIdf.vector(d.text))).persist(StorageLevel.MEMORY_AND_DISK());

        JavaRDD<Vector> points = cfg.svdDims().isEmpty() ? vectors
                : project(sc, docs, tfIdf, cfg.svdDims().get(), seed).persist(StorageLevel.MEMORY_AND_DISK());
        KMeansModel fine = kmeans(points, cfg.fineCount().orElse(k), cfg.iterations(), seed);
        KMeansModel coarse = cfg.fineCount().isEmpty() ? null
                : kmeans(sc.parallelize(List.of(fine.clusterCenters()), 1), k, cfg.iterations(), seed + 1);
        JavaPairRDD<String, Integer> assigned = docs.zip(points).mapToPair(t -> new Tuple2<>(t._1().hash,
                coarse == null ? fine.predict(t._2()) : coarse.predict(fine.clusterCenters()[fine.predict(t._2())])));
        Integer cap = null;
        if (cfg.maxSizeFactor().isPresent()) {
            cap = (int) Math.ceil(cfg.maxSizeFactor().get() * n / k);
            assigned = balance(sc, docs, vectors, centroids(docs, vectors, assigned, k, cfg.features()), cap);
        }
        Map<String, Integer> clusterOf = new HashMap<>(assigned.collectAsMap());
        double[][] centroids = centroids(docs, vectors, assigned, k, cfg.features());
        FeatureModel model = new FeatureModel(tfIdf, centroids);

        PreparedOutput out = new PreparedOutput(conf.get(), data.output() + "/" + DIR);
        out.begin();
        String sha = out.writeTokenizer(tokenizer);
        Broadcast<Map<String, Integer>> clusters = sc.broadcast(clusterOf);
        List<ShardEntry> shards = writeShards(sc, data, conf, docs, clusters, TokenizerJson.write(tokenizer), k);
        HadoopFiles.writeAtomically(out.fs(), new Path(out.dir(), "centroids.json"), model.toJson());
        HadoopFiles.writeAtomically(out.fs(), new Path(out.dir(), "documents.tsv"), documentsTsv(docs, clusterOf));
        long[] sizes = new long[k];
        clusterOf.values().forEach(c -> sizes[c]++);
        out.writeReport(ClusterSummary.json(k, cfg.fineCount().orElse(null), cap, sizes, topTerms(docs, clusters, tfIdf, k)));
        Manifest manifest = out.writeManifest(sha, tokenizer, shards);
        LOG.info("clustered {} documents into {} clusters of sizes {}", n, k, java.util.Arrays.toString(sizes));
        docs.unpersist();
        vectors.unpersist();
        points.unpersist();
        return new Result(manifest, model, clusterOf);
    }

    /** Documents sampled for the subspace estimate (by hash, so the same ones every run). */
    static final int SVD_SAMPLE = 1000;

    /** Each document's coordinates in the top-{@code dims} singular subspace of a sample ({@link SubspaceProjection}). */
    static JavaRDD<Vector> project(JavaSparkContext sc, JavaRDD<CleanDocument> docs, TfIdf tfIdf, int dims, long seed) {
        double fraction = Math.min(1.0, SVD_SAMPLE / (double) Math.max(1, docs.count()));
        List<String> sample = docs.filter(d -> (Long.parseUnsignedLong(d.hash.substring(32, 48), 16) >>> 11) * 0x1.0p-53 < fraction)
                .map(d -> d.hash + "\t" + d.text).collect().stream().sorted().map(l -> l.substring(65)).toList();
        SubspaceProjection projection = SubspaceProjection.fit(sample.stream().map(tfIdf::vector).toList(), dims, seed);
        LOG.info("projecting features onto a {}-dimensional singular subspace estimated from {} documents",
                projection.dims(), sample.size());
        Broadcast<SubspaceProjection> p = sc.broadcast(projection);
        return docs.map(d -> Vectors.dense(p.value().project(tfIdf.vector(d.text))));
    }

    static Vector mllib(SparseVector v) {
        return Vectors.sparse(v.size(), v.indices(), v.values());
    }

    static KMeansModel kmeans(JavaRDD<Vector> data, int k, int iterations, long seed) {
        return new KMeans().setK(k).setMaxIterations(iterations).setSeed(seed).run(data.rdd());
    }

    /** The mean vector of each cluster's documents, in feature space (what the router measures against). */
    static double[][] centroids(JavaRDD<CleanDocument> docs, JavaRDD<Vector> vectors,
                                JavaPairRDD<String, Integer> assigned, int k, int dims) {
        Map<String, Integer> clusterOf = assigned.collectAsMap();
        Map<Integer, double[]> sums = docs.zip(vectors).mapToPair(t -> {
            double[] dense = new double[dims + 1];
            org.apache.spark.mllib.linalg.SparseVector v = t._2().toSparse();
            for (int j = 0; j < v.indices().length; j++) {
                dense[v.indices()[j]] += v.values()[j];
            }
            dense[dims] = 1;
            return new Tuple2<>(clusterOf.get(t._1().hash), dense);
        }).reduceByKey((a, b) -> {
            for (int i = 0; i < a.length; i++) {
                a[i] += b[i];
            }
            return a;
        }).collectAsMap();
        double[][] out = new double[k][dims];
        sums.forEach((c, sum) -> {
            for (int i = 0; i < dims; i++) {
                out[c][i] = sum[i] / Math.max(1, sum[dims]);
            }
        });
        return out;
    }

    /** Capped assignment on the driver from every document's distance to every centroid. */
    static JavaPairRDD<String, Integer> balance(JavaSparkContext sc, JavaRDD<CleanDocument> docs, JavaRDD<Vector> vectors,
                                                double[][] centroids, int cap) {
        List<Tuple2<String, double[]>> distances = docs.zip(vectors).map(t -> {
            SparseVector v = new SparseVector(t._2().size(), t._2().toSparse().indices(), t._2().toSparse().values());
            double[] d = new double[centroids.length];
            for (int c = 0; c < d.length; c++) {
                d[c] = FeatureModel.distance(v, centroids[c]);
            }
            return new Tuple2<>(t._1().hash, d);
        }).collect();
        double[][] matrix = distances.stream().map(Tuple2::_2).toArray(double[][]::new);
        int[] cluster = BalancedAssignment.assign(matrix, cap);
        List<Tuple2<String, Integer>> pairs = new ArrayList<>();
        for (int i = 0; i < cluster.length; i++) {
            pairs.add(new Tuple2<>(distances.get(i)._1(), cluster[i]));
        }
        return sc.parallelizePairs(pairs, Math.max(2, sc.defaultParallelism()));
    }

    /** One task per (cluster, writing group). */
    static List<ShardEntry> writeShards(JavaSparkContext sc, DataConfig data, HadoopConf conf, JavaRDD<CleanDocument> docs,
                                        Broadcast<Map<String, Integer>> clusters, byte[] tokenizerJson, int k) {
        int groups = data.writePartitions();
        JavaPairRDD<Integer, CleanDocument> bySlot = docs.mapToPair(d ->
                new Tuple2<>(clusters.value().get(d.hash) * groups + ShardLayout.group(d.hash, groups), d));
        return PrepareJob.writeSlots(sc, data, conf, data.output() + "/" + DIR, bySlot, k * groups, true, tokenizerJson);
    }

    static byte[] documentsTsv(JavaRDD<CleanDocument> docs, Map<String, Integer> clusterOf) {
        StringBuilder sb = new StringBuilder("hash\tsplit\tcluster\n");
        docs.map(d -> d.hash + "\t" + d.split).collect().stream().sorted()
                .forEach(line -> sb.append(line).append('\t').append(clusterOf.get(line.substring(0, 64))).append('\n'));
        return sb.toString().getBytes(StandardCharsets.UTF_8);
    }

    /** Per cluster, its documents' term counts (terms seen at least 3 times), ranked by count × idf. */
    static List<List<String>> topTerms(JavaRDD<CleanDocument> docs, Broadcast<Map<String, Integer>> clusters,
                                       TfIdf tfIdf, int k) {
        Map<Integer, Map<String, Long>> byCluster = new HashMap<>();
        docs.flatMapToPair(d -> {
                    int c = clusters.value().get(d.hash);
                    List<Tuple2<Tuple2<Integer, String>, Long>> out = new ArrayList<>();
                    TermHasher.terms(d.text, t -> out.add(new Tuple2<>(new Tuple2<>(c, t), 1L)));
                    return out.iterator();
                })
                .reduceByKey(Long::sum)
                .filter(t -> t._2() >= 3)
                .collect()
                .forEach(t -> byCluster.computeIfAbsent(t._1()._1(), c -> new HashMap<>()).put(t._1()._2(), t._2()));
        List<List<String>> out = new ArrayList<>();
        for (int c = 0; c < k; c++) {
            out.add(ClusterSummary.topTerms(byCluster.getOrDefault(c, Map.of()), tfIdf));
        }
        return out;
    }
}
