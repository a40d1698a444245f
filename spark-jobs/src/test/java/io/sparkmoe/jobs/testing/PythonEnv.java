package io.sparkmoe.jobs.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Assumptions;

/**
 * A Python 3 for tests that compare with Python tools (the PyTorch reference, notebooks), found or installed by
 * {@code deploy/tools/python-env.sh}: {@code $SPARKMOE_PYTHON}, else Debian's python3, installing the Debian packages
 * of missing modules when the build runs as root. Tests skip with the script's reason when there is none.
 */
public final class PythonEnv {

    /** The project root (tests run in the spark-jobs module folder). */
    public static final Path ROOT = Path.of("").toAbsolutePath().getParent();
    /** Installing Debian's torch or Jupyter takes minutes on a new machine. */
    private static final long INSTALL_MINUTES = 15;

    private PythonEnv() {
    }

    /** The Python that imports every module, if one can be had; the reason on stderr otherwise. */
    public static Optional<String> find(String... modules) {
        List<String> cmd = new ArrayList<>(List.of("bash", ROOT.resolve("deploy/tools/python-env.sh").toString()));
        cmd.addAll(List.of(modules));
        try {
            Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            if (!p.waitFor(INSTALL_MINUTES, TimeUnit.MINUTES)) {
                p.destroyForcibly();
                return Optional.empty();
            }
            return p.exitValue() == 0 && !out.isEmpty() ? Optional.of(out) : Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
    }

    /** The Python that imports every module, or the test is skipped saying which modules were missing. */
    public static String require(String... modules) {
        Optional<String> py = find(modules);
        Assumptions.assumeTrue(py.isPresent(), "skipped: no Python 3 with " + String.join(", ", modules)
                + " (deploy/tools/python-env.sh says why above; set SPARKMOE_PYTHON to one that has them)");
        return py.get();
    }
}
