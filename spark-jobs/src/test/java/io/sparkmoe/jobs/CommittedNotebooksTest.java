package io.sparkmoe.jobs;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sparkmoe.jobs.testing.PythonEnv;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The notebooks are committed without outputs (outputs belong to one machine's runs and bloat every diff) and
 * with the Python 3 kernel that CI executes them with; no Python is needed to check that.
 */
class CommittedNotebooksTest {

    @Test
    void notebooksAreCommittedWithoutOutputs() throws IOException {
        List<Path> notebooks;
        try (Stream<Path> files = Files.list(PythonEnv.ROOT.resolve("notebooks"))) {
            notebooks = files.filter(p -> p.toString().endsWith(".ipynb")).sorted().toList();
        }
        assertEquals(List.of("01-training.ipynb", "02-routing.ipynb", "03-locality.ipynb", "04-decentralized.ipynb"),
                notebooks.stream().map(p -> p.getFileName().toString()).toList());
        ObjectMapper json = new ObjectMapper();
        for (Path nb : notebooks) {
            JsonNode doc = json.readTree(nb.toFile());
            assertEquals(4, doc.path("nbformat").asInt(), nb + ": nbformat");
            assertEquals("python3", doc.path("metadata").path("kernelspec").path("name").asText(), nb + ": kernel");
            int code = 0;
            for (JsonNode cell : doc.path("cells")) {
                if (cell.path("cell_type").asText().equals("code")) {
                    code++;
                    assertEquals(0, cell.path("outputs").size(), nb + " has outputs; clear them before committing "
                            + "(jupyter nbconvert --clear-output --inplace " + nb.getFileName() + ")");
                    assertTrue(cell.path("execution_count").isNull(), nb + " has execution counts; clear them");
                }
            }
            assertTrue(code > 0, nb + " has no code cells");
        }
    }
}
