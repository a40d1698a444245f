package io.sparkmoe.jobs;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sparkmoe.jobs.deploy.Scripts;
import io.sparkmoe.jobs.testing.PythonEnv;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.hdfs.MiniDFSCluster;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The analysis notebooks executed headless ({@code notebooks/run-all.sh}, nbconvert) as CI does: on a fresh run
 * (prepare with document clusters, then a short training) every notebook runs without error and draws its plots;
 * 03 and 04, whose training modes do not exist yet, say that no such runs were found and are executed again on
 * the synthetic run set of {@code notebooks/synthetic_runs.py}, read out of a MiniDFSCluster over WebHDFS, where
 * their plots must render. The loader's Python unit tests run here too. The executed copies are left in
 * {@code target/notebooks/} to look at (Jupyter, or {@code jupyter nbconvert --to html}).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class NotebooksIT {

    static final String[] MODULES = {"nbconvert", "ipykernel", "nbformat", "pandas", "matplotlib"};
    static final Path OUT = Path.of("target", "notebooks").toAbsolutePath();
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;
    String python;

    @BeforeAll
    void findPython() {
        python = PythonEnv.require(MODULES);
    }

    @Test
    void loaderUnitTestsPass() throws Exception {
        Scripts.Result r = Scripts.command(120, Map.of(),
                List.of(python, "-m", "unittest", "discover", "-s", "notebooks", "-t", "notebooks"));
        assertEquals(0, r.code(), r.output());
        assertTrue(r.output().contains("OK"), r.output());
    }

    @Test
    void everyNotebookRunsOnAFreshRun() throws Exception {
        Path data = dir.resolve("data");
        Path runs = dir.resolve("runs");
        List<String> prepare = new ArrayList<>(List.of(Scripts.smallPrepare(data)));
        prepare.addAll(List.of("data.clusters.count=3", "data.clusters.features=4096"));
        MainTest.Result prepared = MainTest.run(prepare.toArray(String[]::new));
        assertEquals(0, prepared.code(), prepared.err());
        MainTest.Result trained = MainTest.run(TrainIT.tinyTraining(data, runs).toArray(String[]::new));
        assertEquals(0, trained.code(), trained.err());

        Path out = OUT.resolve("fresh-run");
        runAll(out, Map.of(), runs.toString());
        assertTrue(images(out.resolve("01-training.ipynb")) >= 5, "loss, wall time, lr/throughput, timing plots");
        assertTrue(images(out.resolve("02-routing.ipynb")) >= 3, "heatmap, statistics, comparison plots");
        assertEquals(0, images(out.resolve("03-locality.ipynb")));
        assertTrue(text(out.resolve("03-locality.ipynb")).contains("no expert-parallel runs"));
        String decentralized = text(out.resolve("04-decentralized.ipynb"));
        assertTrue(decentralized.contains("no decentralized runs"), decentralized);
        assertEquals(1, images(out.resolve("04-decentralized.ipynb")), "the cluster sizes of the fresh prepare");
    }

    /**
     * The synthetic runs (the formats of expert-parallel and decentralized runs) served by a MiniDFSCluster: the
     * loader copies them out over WebHDFS unchanged, and 03 and 04 render their plots from that address.
     */
    @Test
    void localityAndDecentralizedNotebooksRenderOnSyntheticRunsInHdfs() throws Exception {
        Path local = dir.resolve("synthetic");
        Scripts.Result made = Scripts.command(60, Map.of(),
                List.of(python, "notebooks/synthetic_runs.py", local.toString()));
        assertEquals(0, made.code(), made.output());
        MiniDFSCluster hdfs = new MiniDFSCluster.Builder(new Configuration(), dir.resolve("hdfs").toFile())
                .numDataNodes(1).build();
        try {
            hdfs.waitActive();
            hdfs.getFileSystem().copyFromLocalFile(new org.apache.hadoop.fs.Path(local.resolve("runs").toUri()),
                    new org.apache.hadoop.fs.Path("/sparkmoe/runs"));
            InetSocketAddress http = hdfs.getNameNode().getHttpAddress();
            String uri = "webhdfs://" + http.getHostString() + ":" + http.getPort() + "/sparkmoe/runs";

            String check = String.join("\n", "import sys, sparkmoe_runs as s",
                    "remote = s.find_runs(sys.argv[1], cache=sys.argv[3])",
                    "a, b = s.locality_table(remote), s.locality_table(s.find_runs(sys.argv[2]))",
                    "assert len(a) == 3 and a.equals(b), (a, b)",
                    "print('read', len(remote), 'runs from', sys.argv[1])");
            Map<String, String> env = Map.of("PYTHONPATH", PythonEnv.ROOT.resolve("notebooks").toString());
            Scripts.Result r = Scripts.command(120, env, List.of(python, "-c", check, uri,
                    local.resolve("runs").toString(), dir.resolve("cache").toString()));
            assertEquals(0, r.code(), r.output());
            assertTrue(r.output().contains("read 4 runs from " + uri), r.output());

            Path out = OUT.resolve("synthetic");
            runAll(out, Map.of("SPARKMOE_RUN_CACHE", dir.resolve("notebook-cache").toString()), uri, "--only", "03,04");
            assertEquals(3, images(out.resolve("03-locality.ipynb")), "bytes, bytes over steps, step time and loss");
            assertTrue(text(out.resolve("03-locality.ipynb")).contains("locality-grap"));
            assertEquals(3, images(out.resolve("04-decentralized.ipynb")), "clusters, expert x cluster, routers");
        } finally {
            hdfs.shutdown();
        }
    }

    private void runAll(Path out, Map<String, String> env, String runs, String... options)
            throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("bash", "notebooks/run-all.sh", "--out", out.toString(),
                "--no-html"));
        cmd.addAll(List.of(options));
        cmd.add(runs);
        Map<String, String> withPython = new java.util.HashMap<>(env);
        withPython.put("SPARKMOE_PYTHON", python);
        Scripts.Result r = Scripts.command(300, withPython, cmd);
        assertEquals(0, r.code(), r.output());
        System.out.println("executed notebooks: " + out);
    }

    /** PNG outputs of an executed notebook, after checking that no cell recorded an error. */
    static int images(Path notebook) throws IOException {
        int n = 0;
        for (JsonNode output : outputs(notebook)) {
            assertTrue(!"error".equals(output.path("output_type").asText()), notebook + ": " + output);
            n += output.path("data").has("image/png") ? 1 : 0;
        }
        return n;
    }

    /** Everything the cells printed or displayed as text. */
    static String text(Path notebook) throws IOException {
        StringBuilder s = new StringBuilder();
        for (JsonNode output : outputs(notebook)) {
            output.path("text").forEach(line -> s.append(line.asText()));
            output.path("data").path("text/plain").forEach(line -> s.append(line.asText()));
        }
        return s.toString();
    }

    private static List<JsonNode> outputs(Path notebook) throws IOException {
        assertTrue(Files.isRegularFile(notebook), notebook + " was not written");
        List<JsonNode> all = new ArrayList<>();
        JSON.readTree(notebook.toFile()).path("cells").forEach(c -> c.path("outputs").forEach(all::add));
        return all;
    }
}
