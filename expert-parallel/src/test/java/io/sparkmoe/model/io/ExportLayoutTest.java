package io.sparkmoe.model.io;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;
import io.sparkmoe.inference.Logits;
import io.sparkmoe.model.MoeTransformer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Export → load → the same logits, for every layout each small model fits; the fit checks refuse the others with
 * their reason; {@code auto} picks the public layout a model fits; the files carry the family's names and fields.
 */
class ExportLayoutTest {

    static final int[] TOKENS = {3, 17, 0, 22, 5, 9, 11, 3};

    @TempDir
    Path dir;

    @Test
    void everyFittingLayoutLoadsBackWithTheSameLogits() {
        for (ExportCases.Case c : ExportCases.all()) {
            MoeTransformer model = c.build();
            double[][] expected = Logits.of(model, ExportCases.VOCAB, TOKENS);
            assertEquals(c.auto(), ExportLayout.auto(c.config()).name(), c.name() + ": auto");
            for (ExportLayout layout : ExportLayout.ALL) {
                boolean fits = c.fits().contains(layout.name());
                assertEquals(fits, layout.misfit(c.config()).isEmpty(), c.name() + " in " + layout.name() + ": "
                        + layout.misfit(c.config()));
                Path out = dir.resolve(c.name().replaceAll("\\W+", "_") + "-" + layout.name());
                if (!fits) {
                    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                            () -> NativeModel.export(out, model, c.config(), null, layout));
                    assertTrue(e.getMessage().startsWith(layout.name() + " "), e.getMessage());
                    assertFalse(Files.exists(out), "nothing written for a model that does not fit");
                    continue;
                }
                NativeModel.export(out, model, c.config(), "{}".getBytes(), layout);
                LoadedModel loaded = NativeModel.load(out);
                assertEquals(layout.name(), loaded.layout().name());
                double[][] actual = Logits.of(loaded.model(), ExportCases.VOCAB, TOKENS);
                for (int t = 0; t < TOKENS.length; t++) {
                    assertArrayEquals(expected[t], actual[t], 1e-6, c.name() + " via " + layout.name() + ", position " + t);
                }
                if (layout.name().equals("native")) {
                    assertEquals(c.config().exported(), loaded.config(), c.name() + ": native config.json reads back equal");
                    if (!c.name().equals("expert-choice")) {
                        assertEquals(new io.sparkmoe.conf.Capacity.Dropless(), loaded.config().routing().capacity(),
                                "exports are dropless");
                    }
                }
            }
        }
    }

    @Test
    void fitChecksSayWhatTheModelHas() {
        ExportCases.Case sigmoid = ExportCases.all().get(5);
        String why = ExportLayout.named("mixtral").misfit(sigmoid.config()).orElseThrow();
        assertTrue(why.startsWith("mixtral needs router topk with normalize") && why.contains("router sigmoid")
                && why.contains("2 shared expert(s)"), why);
        String qwen = ExportLayout.named("qwen2-moe").misfit(sigmoid.config()).orElseThrow();
        assertTrue(qwen.contains("router sigmoid") && qwen.contains("2 shared expert(s) without a gate"), qwen);
        String llama = ExportLayout.named("llama").misfit(sigmoid.config()).orElseThrow();
        assertTrue(llama.contains("MoE layers [0, 1, 2]"), llama);
        assertThrows(IllegalArgumentException.class, () -> ExportLayout.named("gpt2"));
        NativeConfig limited = ExportCases.config(ExportCases.moe(1, 0, 0, false), ExportCases.routing("topk", 2, true,
                new io.sparkmoe.conf.Capacity.Dropless(), java.util.Optional.of(1)), false);
        assertTrue(ExportLayout.named("mixtral").misfit(limited).orElseThrow().endsWith("this model has a group limit"));
        assertEquals("native", ExportLayout.auto(limited).name(), "the group limit needs the native layout");
    }

    @Test
    void qwenFilesHaveTheFamilysNamesFieldsAndZeroExtras() throws Exception {
        ExportCases.Case c = ExportCases.all().get(2);    // first layer dense, gated shared expert
        Path out = dir.resolve("qwen");
        NativeModel.export(out, c.build(), c.config(), null, ExportLayout.named("qwen2-moe"));
        JsonNode cfg = NativeModel.readJson(out.resolve(NativeModel.CONFIG));
        assertEquals("qwen2_moe", cfg.get("model_type").asText());
        assertEquals("[0]", cfg.get("mlp_only_layers").toString());
        assertEquals(6, cfg.get("moe_intermediate_size").asInt());
        assertEquals(5, cfg.get("shared_expert_intermediate_size").asInt());
        assertEquals(12, cfg.get("intermediate_size").asInt());
        assertEquals(500.0, cfg.get("rope_theta").asDouble());
        assertTrue(cfg.get("sliding_window").isNull());
        Set<String> names = Safetensors.read(Files.readAllBytes(out.resolve(NativeModel.WEIGHTS)), "w").tensors().keySet();
        assertTrue(names.containsAll(Set.of("model.layers.0.mlp.gate_proj.weight", "model.layers.1.mlp.gate.weight",
                "model.layers.1.mlp.experts.3.down_proj.weight", "model.layers.1.mlp.shared_expert.up_proj.weight",
                "model.layers.1.mlp.shared_expert_gate.weight", "model.layers.2.self_attn.v_proj.bias")), names.toString());
        assertTrue(names.stream().noneMatch(n -> n.contains("block_sparse_moe")), names.toString());
        assertFalse(Files.exists(out.resolve(NativeModel.TOKENIZER)), "no tokenizer given, none written");
    }

    @Test
    void mixtralFilesKeepTheNativeNamesAndSayMixtral() throws Exception {
        ExportCases.Case c = ExportCases.all().get(1);    // tied
        Path out = dir.resolve("mixtral");
        NativeModel.export(out, c.build(), c.config(), null, ExportLayout.named("mixtral"));
        JsonNode cfg = NativeModel.readJson(out.resolve(NativeModel.CONFIG));
        assertEquals("mixtral", cfg.get("model_type").asText());
        assertEquals(4, cfg.get("num_local_experts").asInt());
        assertEquals(2, cfg.get("num_key_value_heads").asInt());
        assertTrue(cfg.get("tie_word_embeddings").asBoolean());
        Set<String> names = Safetensors.read(Files.readAllBytes(out.resolve(NativeModel.WEIGHTS)), "w").tensors().keySet();
        assertTrue(names.contains("model.layers.2.block_sparse_moe.experts.1.w3.weight"), names.toString());
        assertFalse(names.contains("lm_head.weight"), "tied: no lm_head");
    }
}
