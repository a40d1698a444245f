package io.sparkmoe.jobs;

import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The ensemble options of generate, export and eval-ensemble refuse bad usage before loading anything. */
class EnsembleCommandsTest {

    @TempDir
    Path dir;

    @Test
    void badModesRoutersAndCombinationsAreUsageErrors() {
        String run = dir.resolve("run").toString();
        MainTest.Result mode = MainTest.run("generate", "--ensemble", run, "--mode", "top5", "--prompt", "a");
        assertEquals(2, mode.code(), mode.err());
        assertTrue(mode.err().contains("--mode must be top1, top2 or all, got 'top5'"), mode.err());
        MainTest.Result router = MainTest.run("generate", "--ensemble", run, "--router", "oracle", "--prompt", "a");
        assertEquals(2, router.code(), router.err());
        assertTrue(router.err().contains("--router must be one of auto, learned, centroid"), router.err());
        MainTest.Result both = MainTest.run("generate", "--ensemble", run, "--model", run, "--prompt", "a");
        assertEquals(2, both.code(), both.err());
        assertTrue(both.err().contains("give --model or --ensemble, not both"), both.err());
        MainTest.Result layout = MainTest.run("export", "--ensemble", run, "--layout", "llama", "--out", run + "-x");
        assertEquals(2, layout.code(), layout.err());
        MainTest.Result eval = MainTest.run("eval-ensemble", "--run", run, "--router", "oracle");
        assertEquals(2, eval.code(), eval.err());
    }

    @Test
    void aDirectoryWithoutExpertsIsNamed() {
        String run = dir.resolve("run").toString();
        MainTest.Result r = MainTest.run("generate", "--ensemble", run, "--prompt", "a");
        assertEquals(1, r.code(), r.err());
        assertTrue(r.err().contains(dir.resolve("run").resolve("experts") + ": no experts"), r.err());
    }
}
