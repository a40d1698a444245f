package io.sparkmoe.jobs.deploy;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A real Spark standalone cluster (a Master and two Workers, separate JVMs) started by
 * {@code deploy/local-cluster.sh}, and the shaded application jar submitted to it by
 * {@code deploy/submit.sh} — the way a user runs SparkMoE on a cluster. Each Worker offers two GPUs to Spark's
 * resource scheduler through the real discovery script, with a stand-in {@code nvidia-smi} playing the hardware
 * (the tests must not need a GPU), so that the path from a GPU request to the device a task picks is exercised.
 */
class StandaloneClusterIT {

    @TempDir
    static Path dir;

    @BeforeAll
    static void start() throws Exception {
        Scripts.assertBuilt();
        Path bin = Files.createDirectories(dir.resolve("bin"));
        Path smi = bin.resolve("nvidia-smi");
        Files.writeString(smi, "#!/bin/sh\nprintf '0\\n1\\n'\n");
        Files.setPosixFilePermissions(smi, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        Scripts.Result r = Scripts.run(180, java.util.Map.of("PATH", bin + ":" + System.getenv("PATH")),
                "deploy/local-cluster.sh", "start", "--workers", "2", "--cores", "1", "--memory", "1536m",
                "--gpus", "2", "--dir", dir.toString());
        assertEquals(0, r.code(), r.output());
        assertTrue(r.output().contains("2 workers") && r.output().contains("2 GPU(s) each"), r.output());
    }

    @AfterAll
    static void stop() throws Exception {
        Scripts.Result r = Scripts.run(60, "deploy/local-cluster.sh", "stop", "--dir", dir.toString());
        assertEquals(0, r.code(), r.output());
        String left = ProcessHandle.allProcesses()
                .filter(p -> p.info().commandLine().map(c -> c.contains(dir.toString())).orElse(false))
                .map(p -> p.pid() + " " + p.info().commandLine().orElse(""))
                .collect(Collectors.joining("\n"));
        assertEquals("", left, "processes left behind");
        assertFalse(Files.exists(dir.resolve("master.url")));
        Scripts.removeSparkHome(dir);
    }

    @Test
    void statusReportsTheMasterAndBothWorkers() throws Exception {
        Scripts.Result r = Scripts.run(30, "deploy/local-cluster.sh", "status", "--dir", dir.toString());
        assertEquals(0, r.code(), r.output());
        assertTrue(r.output().contains("worker-1: running") && r.output().contains("worker-2: running"), r.output());
    }

    @Test
    void theApplicationJarRunsOnTwoExecutorJvmsThroughSparkSubmit() throws Exception {
        Scripts.Result r = Scripts.run(240, "deploy/submit.sh", "--dir", dir.toString(),
                "--conf", "spark.scheduler.minRegisteredResourcesRatio=1.0", "check", "--tasks", "4",
                "run.dir=" + dir.resolve("runs"), "run.name=check");
        assertEquals(0, r.code(), r.output());
        assertTrue(r.output().contains("master spark://127.0.0.1:") && r.output().contains("check passed"), r.output());
        assertEquals(Set.of("0", "1"), Scripts.executors(r.output()), "both workers' executors ran tasks:\n" + r.output());
        assertEquals(Set.of("none"), Scripts.gpus(r.output()), "no GPU was requested:\n" + r.output());
        assertTrue(Files.isRegularFile(dir.resolve("runs/check/config.conf")));
    }

    /** Tasks that ask for a GPU get one of the addresses the Workers discovered, and report it. */
    @Test
    void tasksRequestingAGpuGetOneFromSparksScheduler() throws Exception {
        Scripts.Result r = submit("--conf", "spark.executor.resource.gpu.amount=1", "--conf",
                "spark.task.resource.gpu.amount=1", "check", "--tasks", "4", "run.dir=" + dir.resolve("runs"),
                "run.name=check-gpu");
        assertEquals(0, r.code(), r.output());
        Set<String> gpus = Scripts.gpus(r.output());
        assertFalse(gpus.isEmpty(), r.output());
        assertTrue(Set.of("0", "1").containsAll(gpus), "GPU addresses come from the discovery script: " + gpus);
        assertEquals(4, r.output().lines().filter(l -> l.matches("task \\d+ .* gpu [01] .*")).count(), r.output());
    }

    /** Data preparation on the cluster's executors, then a short training on the driver from those shards. */
    @Test
    void dataPreparationAndAShortTrainingRunThroughSparkSubmit() throws Exception {
        Path output = dir.resolve("prepared");
        Scripts.Result r = submit(Scripts.smallPrepare(output));
        assertEquals(0, r.code(), r.output());
        assertTrue(Scripts.preparedTrainTokens(output) > 10_000, r.output());

        Scripts.Result t = submit(io.sparkmoe.jobs.TrainIT.tinyTraining(output, dir.resolve("runs")).toArray(String[]::new));
        assertEquals(0, t.code(), t.output());
        assertTrue(t.output().contains("trained " + io.sparkmoe.jobs.TrainIT.STEPS + " steps"), t.output());
        List<String> events = Files.readAllLines(dir.resolve("runs/tiny/metrics.jsonl"));
        assertEquals(io.sparkmoe.jobs.TrainIT.STEPS, events.stream().filter(l -> l.contains("\"event\":\"step\"")).count(), String.join("\n", events));
        assertEquals(2, events.stream().filter(l -> l.contains("\"event\":\"eval\"")).count(), String.join("\n", events));
    }

    /**
     * {@code sparkmoe ranks} across the two executor JVMs: two ranks, one per executor, that reach each other's ports;
     * the placement in the run directory follows their hosts. Three ranks do not fit the two one-core executors:
     * refused before any stage is launched, with the message saying what to change, instead of Spark's minutes of
     * barrier retries.
     */
    @Test
    void ranksRunAsABarrierStageAcrossExecutorsAndTooManyAreRefused() throws Exception {
        Scripts.Result r = submit("--conf", "spark.executor.resource.gpu.amount=1", "--conf",
                "spark.task.resource.gpu.amount=1", "ranks", "cluster.ranks=2", "model.moe.experts=8",
                "run.dir=" + dir.resolve("runs"), "run.name=ranks");
        assertEquals(0, r.code(), r.output());
        assertTrue(r.output().contains("2 ranks in one barrier stage") && r.output().contains("ranks passed"), r.output());
        assertEquals(Set.of("0", "1"), Scripts.rankExecutors(r.output()), "one rank per executor:\n" + r.output());
        assertEquals(2, r.output().lines().filter(l -> l.matches("rank \\d+ .* gpu [01] .*")).count(),
                "each rank picked the GPU Spark assigned to its task:\n" + r.output());
        io.sparkmoe.placement.ExpertPlacement placement = io.sparkmoe.placement.ExpertPlacement.parse(
                Files.readString(dir.resolve("runs/ranks/placement.json")), "placement.json");
        assertEquals(2, placement.ranks());
        assertEquals(Scripts.rankHosts(r.output()), Set.copyOf(placement.nodes().names()), "nodes are the ranks' hosts");
        assertEquals(4, placement.localExperts(1).length);

        Scripts.Result tooMany = submit("--conf", "spark.scheduler.maxRegisteredResourcesWaitingTime=5s", "ranks",
                "cluster.ranks=3", "model.moe.experts=6", "train.batch-size=6", "run.dir=" + dir.resolve("runs"), "run.name=ranks-3");
        assertEquals(1, tooMany.code(), tooMany.output());
        assertTrue(tooMany.output().contains("cluster.ranks = 3 needs 3 tasks running at once")
                && tooMany.output().contains("can run only 2"), tooMany.output());
        assertFalse(tooMany.output().contains("Barrier execution mode does not allow"), "Spark's own check never ran:\n"
                + tooMany.output());
        assertFalse(Files.exists(dir.resolve("runs/ranks-3/placement.json")));
    }

    private static Scripts.Result submit(String... jobArgs) throws Exception {
        List<String> args = new java.util.ArrayList<>(List.of("--dir", dir.toString(),
                "--conf", "spark.scheduler.minRegisteredResourcesRatio=1.0"));
        args.addAll(List.of(jobArgs));
        return Scripts.run(300, "deploy/submit.sh", args.toArray(String[]::new));
    }
}
