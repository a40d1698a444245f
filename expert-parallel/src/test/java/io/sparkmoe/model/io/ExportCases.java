package io.sparkmoe.model.io;

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
import io.sparkmoe.model.MoeTransformer;
import io.sparkmoe.model.Parameters;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Small models of every shape the layouts care about (d = 8, H = 2, 3 layers, E = 4, V = 23), with every tensor
 * perturbed away from its init (norms are not all ones, the sigmoid router's bias is not zero), so that a tensor
 * loaded under the wrong name changes the logits.
 */
public final class ExportCases {

    public static final int VOCAB = 23;

    /**
     * One case.
     *
     * @param name      what it is
     * @param config    its config
     * @param fits      the layouts it fits (native always)
     * @param auto      what auto picks
     */
    public record Case(String name, NativeConfig config, List<String> fits, String auto) {

        /** The model as inference runs it: dropless, routers in evaluation mode. */
        public MoeTransformer build() {
            MoeTransformer m = new MoeTransformer(config.model(), config.droplessRouting(), config.vocabSize(),
                    DataType.FLOAT, config.seed());
            perturb(m.parameters(), config.seed());
            m.setTraining(false);
            return m;
        }
    }

    private ExportCases() {
    }

    static RoutingConfig routing(String router, int k, boolean normalize, Capacity capacity, Optional<Integer> groupLimit) {
        return new RoutingConfig(router, k, normalize, capacity, "position", false, groupLimit,
                new AuxLossConfig(Optional.of(0.01), Optional.empty(), Optional.empty()),
                new SigmoidRouterConfig(0.001, 1.5), new ReluRouterConfig(1e-8, 1.2, Optional.empty()),
                new CosineRouterConfig(16, 0.07));
    }

    static NativeConfig config(MoeConfig moe, RoutingConfig routing, boolean tied) {
        ModelConfig model = new ModelConfig(Optional.of(VOCAB), 8, 3, 2, 6, 500.0, 1e-5, tied, 12, 0.3, moe);
        return new NativeConfig(model, routing, VOCAB, 7, Optional.empty());
    }

    static MoeConfig moe(int every, int firstDense, int shared, boolean gate) {
        return new MoeConfig(4, 6, every, Optional.empty(), firstDense, shared, Optional.of(5), gate);
    }

    public static List<Case> all() {
        Capacity dropless = new Capacity.Dropless();
        return List.of(
                new Case("topk+normalize, every layer", config(moe(1, 0, 0, false),
                        routing("topk", 2, true, new Capacity.Factor(1.25), Optional.empty()), false),
                        List.of("native", "mixtral", "qwen2-moe"), "mixtral"),
                new Case("topk+normalize, tied", config(moe(1, 0, 0, false),
                        routing("topk", 2, true, dropless, Optional.empty()), true),
                        List.of("native", "mixtral", "qwen2-moe"), "mixtral"),
                new Case("topk, gated shared expert, first layer dense", config(moe(1, 1, 1, true),
                        routing("topk", 2, false, dropless, Optional.empty()), false),
                        List.of("native", "qwen2-moe"), "qwen2-moe"),
                new Case("switch every second layer", config(moe(2, 0, 0, false),
                        routing("switch", 1, false, dropless, Optional.empty()), false),
                        List.of("native", "qwen2-moe"), "qwen2-moe"),
                new Case("dense", config(new MoeConfig(4, 6, 1, Optional.of(List.of()), 0, 0, Optional.empty(), false),
                        routing("topk", 2, false, dropless, Optional.empty()), false),
                        List.of("native", "llama"), "llama"),
                new Case("sigmoid, two ungated shared experts", config(moe(1, 0, 2, false),
                        routing("sigmoid", 2, false, dropless, Optional.empty()), false), List.of("native"), "native"),
                new Case("cosine", config(moe(1, 0, 0, false), routing("cosine", 2, true, dropless, Optional.empty()),
                        false), List.of("native"), "native"),
                new Case("hash", config(moe(1, 0, 0, false), routing("hash", 1, false, dropless, Optional.empty()),
                        false), List.of("native"), "native"),
                new Case("relu", config(moe(1, 0, 0, false), routing("relu", 2, false, dropless, Optional.empty()),
                        false), List.of("native"), "native"),
                new Case("grap", config(moe(1, 0, 0, false), routing("grap", 1, false, dropless, Optional.empty()),
                        false), List.of("native"), "native"),
                new Case("base", config(moe(1, 0, 0, false), routing("base", 1, false, dropless, Optional.empty()),
                        false), List.of("native"), "native"),
                new Case("expert-choice", config(moe(1, 0, 0, false), routing("expert-choice", 2, false,
                        new Capacity.Factor(1.0), Optional.empty()), false), List.of("native"), "native"));
    }

    /** Adds normal noise to every learned tensor and to the sigmoid router's selection bias. */
    static void perturb(Parameters p, long seed) {
        Random r = new Random(seed);
        for (String n : p.names()) {
            add(p.value(n), r, 0.2);
        }
        p.buffers().forEach((n, v) -> {
            if (n.endsWith("e_score_correction_bias")) {
                add(v, r, 0.3);
            }
        });
    }

    private static void add(INDArray a, Random r, double std) {
        double[] noise = new double[(int) a.length()];
        for (int i = 0; i < noise.length; i++) {
            noise[i] = std * r.nextGaussian();
        }
        a.addi(org.nd4j.linalg.factory.Nd4j.create(noise, a.shape(), 'c').castTo(a.dataType()));
    }
}
