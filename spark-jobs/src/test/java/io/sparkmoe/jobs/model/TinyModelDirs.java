package io.sparkmoe.jobs.model;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.Random;

import io.sparkmoe.conf.AuxLossConfig;
import io.sparkmoe.conf.Capacity;
import io.sparkmoe.conf.CosineRouterConfig;
import io.sparkmoe.conf.ModelConfig;
import io.sparkmoe.conf.MoeConfig;
import io.sparkmoe.conf.ReluRouterConfig;
import io.sparkmoe.conf.RoutingConfig;
import io.sparkmoe.conf.SigmoidRouterConfig;
import io.sparkmoe.data.bpe.Tokenizer;
import io.sparkmoe.data.bpe.TokenizerJson;
import io.sparkmoe.model.MoeTransformer;
import io.sparkmoe.model.Parameters;
import io.sparkmoe.model.io.NativeConfig;
import io.sparkmoe.model.io.NativeModel;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * Small model directories for the command tests: d = 16, H = 2, 2 layers, E = 4, a byte-level tokenizer with two
 * merges (V = 260). Matrices are drawn with init-std 0.3 and every norm and selection bias is set to random values,
 * so that a tensor read under a wrong name shows in the logits.
 */
public final class TinyModelDirs {

    /** The tokenizer: bytes, merges "e"+" " and "t"+"h", then end-of-text and padding. */
    public static final Tokenizer TOKENIZER = Tokenizer.fromMerges(List.of(new int[]{'e', ' '}, new int[]{'t', 'h'}),
            List.of("<|endoftext|>", "<|pad|>"));
    public static final int VOCAB = TOKENIZER.vocabSize();

    private TinyModelDirs() {
    }

    /** A routing config with the given router (load-balance loss on, dropless unless a factor is given). */
    public static RoutingConfig routing(String router, int k, boolean normalize) {
        return new RoutingConfig(router, k, normalize, new Capacity.Factor(1.0), "position", false, Optional.empty(),
                new AuxLossConfig(Optional.of(0.01), Optional.empty(), Optional.empty()),
                new SigmoidRouterConfig(0.001, 2.0), new ReluRouterConfig(1e-8, 1.2, Optional.empty()),
                new CosineRouterConfig(16, 0.07));
    }

    public static MoeConfig moe(int firstDense, int shared, boolean gate, Optional<List<Integer>> layers) {
        return new MoeConfig(4, 12, 1, layers, firstDense, shared, Optional.empty(), gate);
    }

    public static NativeConfig config(MoeConfig moe, RoutingConfig routing, boolean tied) {
        ModelConfig model = new ModelConfig(Optional.of(VOCAB), 16, 2, 2, 8, 10000.0, 1e-5, tied, 24, 0.3, moe);
        return new NativeConfig(model, routing, VOCAB, 11, Optional.empty());
    }

    /** Writes a model of {@code config} with randomised norms and biases to {@code dir} in the native layout. */
    public static Path write(Path dir, NativeConfig config, boolean withTokenizer) {
        MoeTransformer m = new MoeTransformer(config.model(), config.routing(), config.vocabSize(), DataType.FLOAT,
                config.seed());
        Parameters p = m.parameters();
        Random r = new Random(config.seed());
        for (String n : p.names()) {
            if (n.endsWith("norm.weight")) {
                p.load(n, random(r, p.value(n).length(), 0.5, 1.5));
            }
        }
        p.buffers().forEach((n, v) -> {
            if (n.endsWith("e_score_correction_bias")) {
                p.load(n, random(r, v.length(), -0.5, 0.5));
            }
        });
        NativeModel.save(dir, m, config, withTokenizer ? TokenizerJson.write(TOKENIZER) : null);
        return dir;
    }

    private static double[] random(Random r, long n, double low, double high) {
        double[] v = new double[(int) n];
        for (int i = 0; i < v.length; i++) {
            v[i] = low + (high - low) * r.nextDouble();
        }
        return v;
    }
}
