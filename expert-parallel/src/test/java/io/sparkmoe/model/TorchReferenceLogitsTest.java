package io.sparkmoe.model;

import java.io.File;
import java.net.URISyntaxException;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigSyntax;
import io.sparkmoe.conf.Capacity;
import io.sparkmoe.conf.ModelConfig;
import io.sparkmoe.conf.MoeConfig;
import io.sparkmoe.conf.OptimizerConfig;
import io.sparkmoe.routing.scores.Arrays2;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Models built by the PyTorch reference ({@code ../shared/bench/torch_reference.py}), loaded by name into
 * {@link MoeTransformer} in float64, give the same logits (1e-9), aux losses and training loss, dropless. Cases: top-k
 * with normalize and a gated shared expert; sigmoid with a non-zero selection bias, a dense first layer and tied
 * embeddings; switch on every second layer with two shared experts; cosine; hash. Then two training steps (loss,
 * backward, clipped AdamW with the warm-up schedule, the sigmoid router's bias update) give the reference's losses,
 * gradient norms and learned tensors (1e-9): the whole backward and the optimizer against PyTorch's. Fixture written by
 * {@code make_model_fixture.py} next to it.
 */
class TorchReferenceLogitsTest {

    @Test
    void logitsAuxLossesAndLossMatchTheReference() throws URISyntaxException {
        checkEveryFixtureCase();
    }

    /** Replays every case of the fixture on this JVM's ND4J backend (also the GPU smoke test's check). */
    static void checkEveryFixtureCase() throws URISyntaxException {
        File file = new File(TorchReferenceLogitsTest.class.getResource("/reference/model-fixture.json").toURI());
        Config fixture = ConfigFactory.parseFile(file, ConfigParseOptions.defaults().setSyntax(ConfigSyntax.JSON));
        List<? extends Config> cases = fixture.getConfigList("cases");
        assertEquals(5, cases.size());
        for (Config c : cases) {
            check(c);
        }
    }

    private static void check(Config c) {
        Config cfg = c.getConfig("config");
        String router = cfg.getString("router");
        int vocab = cfg.getInt("vocab_size");
        ModelConfig model = new ModelConfig(Optional.of(vocab), cfg.getInt("hidden_size"), cfg.getInt("num_hidden_layers"),
                cfg.getInt("num_attention_heads"), 8, cfg.getDouble("rope_theta"), cfg.getDouble("rms_norm_eps"),
                cfg.getBoolean("tie_word_embeddings"), cfg.getInt("dense_intermediate_size"), 0.02,
                new MoeConfig(cfg.getInt("num_experts"), cfg.getInt("intermediate_size"), cfg.getInt("moe_every"),
                        Optional.empty(), cfg.getInt("first_dense_layers"), cfg.getInt("n_shared_experts"),
                        Optional.empty(), cfg.getBoolean("shared_gate")));
        MoeTransformer m = new MoeTransformer(model, TinyModels.routing(router, cfg.getInt("num_experts_per_tok"),
                cfg.getBoolean("normalize"), new Capacity.Dropless()), vocab, DataType.DOUBLE, 1);
        Parameters p = m.parameters();

        ConfigObject tensors = c.getObject("tensors");
        Set<String> javaNames = new HashSet<>(p.names());
        javaNames.addAll(p.buffers().keySet());
        assertEquals(tensors.keySet(), javaNames, router + ": tensor names");
        for (String name : tensors.keySet()) {
            p.load(name, doubles(tensors.toConfig().getDoubleList("\"" + name + "\"")));
        }

        int[][] ids = c.getList("ids").stream().map(row -> ((List<?>) row.unwrapped()).stream()
                .mapToInt(v -> ((Number) v).intValue()).toArray()).toArray(int[][]::new);
        double[] logits = Arrays2.toDoubles(m.forward(ids));
        assertArrayEquals(doubles(c.getDoubleList("logits")), logits, 1e-9, router + ": logits");
        assertEquals(c.getDouble("aux"), m.auxLoss(), 1e-12, router + ": aux losses");
        assertEquals(c.getDouble("loss"), m.loss(ids, -1), 1e-9, router + ": training loss");

        AdamW adam = new AdamW(p, new OptimizerConfig(3e-4, 3e-5, 10, 0.1, Optional.of(1.0), 0.9, 0.95, 1e-8), 1000);
        List<Double> losses = c.getDoubleList("step_losses");
        List<Double> norms = c.getDoubleList("step_norms");
        for (int step = 0; step < 2; step++) {
            p.zeroGradients();
            assertEquals(losses.get(step), m.loss(ids, -1), 1e-9, router + ": loss of training step " + step);
            m.backward();
            assertEquals(norms.get(step), adam.step(), 1e-9, router + ": gradient norm of step " + step);
            m.afterStep();
        }
        ConfigObject trained = c.getObject("trained");
        assertEquals(new HashSet<>(p.names()), trained.keySet());
        for (String name : trained.keySet()) {
            assertArrayEquals(doubles(trained.toConfig().getDoubleList("\"" + name + "\"")),
                    Arrays2.toDoubles(p.value(name).reshape(1, p.value(name).length())), 1e-9, router + ": trained " + name);
        }
    }

    private static double[] doubles(List<Double> values) {
        return values.stream().mapToDouble(Double::doubleValue).toArray();
    }
}
