package io.sparkmoe.jobs.ep;

import io.sparkmoe.conf.ConfigLoader;
import io.sparkmoe.conf.ResolvedConfig;
import io.sparkmoe.jobs.Main;
import io.sparkmoe.jobs.TrainIT;
import io.sparkmoe.jobs.deploy.Scripts;
import io.sparkmoe.jobs.spark.SparkSessions;
import io.sparkmoe.train.checkpoint.CheckpointLayout;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.hdfs.MiniDFSCluster;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The ranks of {@code train-ep} keep their checkpoints on {@code hdfs://} (a MiniDFSCluster, named by
 * {@code train.checkpoint-dir}) and a rerun resumes from there. Two ranks as tasks of {@code local[2]}; rank 1's exchange is closed under it as soon as the first checkpoint
 * is committed on HDFS, which fails the stage attempt as a lost peer does; Spark reruns both ranks and the run ends
 * with the uninterrupted run's final loss and replicas, bit for bit.
 */
class TrainEpHdfsIT {

    @TempDir
    static Path dir;
    static MiniDFSCluster hdfs;
    static String root;
    static Path data;
    static SparkSession spark;
    static JavaSparkContext sc;

    @BeforeAll
    static void start() throws IOException {
        hdfs = new MiniDFSCluster.Builder(new Configuration(), dir.resolve("hdfs").toFile()).numDataNodes(1).build();
        hdfs.waitActive();
        root = hdfs.getURI().toString();
        data = dir.resolve("data");
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        assertEquals(0, Main.run(Scripts.smallPrepare(data), new PrintStream(new ByteArrayOutputStream()),
                new PrintStream(err)), err.toString());
        spark = SparkSessions.start(config("session").config(), "train-ep-hdfs-it");
        sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    }

    @AfterAll
    static void stop() {
        if (spark != null) {
            spark.stop();
        }
        if (hdfs != null) {
            hdfs.shutdown();
        }
    }

    /**
     * The tiny training of {@code TrainIT} with two ranks and a checkpoint every 5 steps, as run {@code name}, its
     * checkpoints on HDFS through {@code train.checkpoint-dir}.
     */
    static ResolvedConfig config(String name) {
        List<String> args = TrainIT.tinyTraining(data, dir.resolve("runs"), name, "train.checkpoint-every=5",
                "train.checkpoint-dir=\"" + checkpoints(name) + "\"",
                "cluster.ranks=2", "cluster.master=local[2]", "cluster.spark.spark.ui.enabled=false",
                "cluster.exchange.read-timeout-ms=30000");
        return ConfigLoader.load(Optional.empty(), args.subList(1, args.size()));
    }

    static String checkpoints(String name) {
        return root + "/checkpoints/" + name;
    }

    static TrainEpRank rank(String name) throws IOException {
        Path run = Files.createDirectories(dir.resolve("runs").resolve(name));
        return new TrainEpRank(config(name).render(), run.toUri().toString());
    }

    @Test
    void aRerunResumesFromCheckpointsOnHdfs() throws Exception {
        List<RankOutcome> whole = BarrierRanks.run(sc, 2, config("whole").config().cluster().exchange(), rank("whole"));
        TrainEpRank broken = rank("broken");
        String checkpoints = checkpoints("broken");
        List<RankOutcome> rerun = BarrierRanks.run(sc, 2, config("broken").config().cluster().exchange(), ctx -> {
            if (ctx.attempt() == 0 && ctx.rank() == 1) {
                breakExchangeOnceCommitted(ctx, checkpoints);
            }
            return broken.apply(ctx);
        });
        for (int r = 0; r < 2; r++) {
            assertEquals(0, whole.get(r).attempt);
            assertEquals(1, rerun.get(r).attempt, "rank " + r + " ran again");
            assertTrue(rerun.get(r).firstStep >= 6, "rank " + r + " resumed from a checkpoint: " + rerun.get(r).firstStep);
            assertEquals(whole.get(r).finalLoss(), rerun.get(r).finalLoss(), "final loss bit for bit");
            assertEquals(whole.get(r).replicaHash, rerun.get(r).replicaHash);
        }
        FileSystem fs = new org.apache.hadoop.fs.Path(checkpoints).getFileSystem(new Configuration());
        assertTrue(fs.exists(new org.apache.hadoop.fs.Path(checkpoints, "step-00000020/" + CheckpointLayout.COMMITTED)));
        assertTrue(!Files.exists(dir.resolve("runs/broken").resolve(CheckpointLayout.DIR)),
                "no checkpoints in the run directory when train.checkpoint-dir is set");
    }

    /** Closes rank {@code ctx}'s sockets (its exchange fails, as with a lost peer) once a checkpoint is committed. */
    static void breakExchangeOnceCommitted(RankContext ctx, String checkpoints) {
        Thread watch = new Thread(() -> {
            try {
                org.apache.hadoop.fs.Path dirPath = new org.apache.hadoop.fs.Path(checkpoints);
                FileSystem fs = dirPath.getFileSystem(new Configuration());
                while (!ctx.barrier().isInterrupted()) {
                    if (fs.exists(dirPath)) {
                        for (FileStatus c : fs.listStatus(dirPath)) {
                            if (fs.exists(new org.apache.hadoop.fs.Path(c.getPath(), CheckpointLayout.COMMITTED))) {
                                ctx.close();
                                return;
                            }
                        }
                    }
                    Thread.sleep(20);
                }
            } catch (IOException | InterruptedException e) {
                throw new IllegalStateException(e);
            }
        }, "break-rank-1");
        watch.setDaemon(true);
        watch.start();
    }
}
