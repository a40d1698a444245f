package io.sparkmoe.jobs.deploy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * {@code deploy/gpu/discover-gpus.sh} prints what Spark's resource discovery expects. A stand-in
 * {@code nvidia-smi} on the PATH plays the GPUs, since the tests must not need a GPU.
 */
class GpuDiscoveryScriptTest {

    @TempDir
    Path dir;

    private String discover(String fakeSmiOutput, String visibleDevices) throws Exception {
        Path bin = Files.createDirectories(dir.resolve("bin"));
        if (fakeSmiOutput != null) {
            Path smi = bin.resolve("nvidia-smi");
            Files.writeString(smi, "#!/bin/sh\nprintf '" + fakeSmiOutput + "'\n");
            Files.setPosixFilePermissions(smi, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
        ProcessBuilder pb = new ProcessBuilder("bash", Scripts.ROOT.resolve("deploy/gpu/discover-gpus.sh").toString());
        pb.environment().put("PATH", bin + ":/usr/bin:/bin");
        pb.environment().remove("CUDA_VISIBLE_DEVICES");
        if (visibleDevices != null) {
            pb.environment().put("CUDA_VISIBLE_DEVICES", visibleDevices);
        }
        Process p = pb.redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes()).strip();
        assertEquals(0, p.waitFor(), out);
        return out;
    }

    @Test
    void listsEveryGpu() throws Exception {
        assertEquals("{\"name\": \"gpu\", \"addresses\": [\"0\", \"1\", \"2\"]}", discover("0\\n1\\n2\\n", null));
    }

    @Test
    void honoursCudaVisibleDevices() throws Exception {
        assertEquals("{\"name\": \"gpu\", \"addresses\": [\"2\", \"0\"]}", discover("0\\n1\\n2\\n", "2,0"));
    }

    @Test
    void noGpuMeansNoAddresses() throws Exception {
        assertEquals("{\"name\": \"gpu\", \"addresses\": []}", discover(null, null));
    }
}
