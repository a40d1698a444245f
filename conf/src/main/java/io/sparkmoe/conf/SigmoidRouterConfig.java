package io.sparkmoe.conf;

import static io.sparkmoe.conf.Key.positive;

/**
 * Section {@code routing.sigmoid}: DeepSeek-V3's aux-loss-free balancing.
 *
 * @param biasRate γ in {@code b_e += γ·sign(mean_load − load_e)} after each step
 * @param scale    factor applied to the normalised sigmoid weights
 */
public record SigmoidRouterConfig(double biasRate, double scale) {

    static final Key<Double> BIAS_RATE = Key.required("routing.sigmoid.bias-rate", ValueType.number(), 0.001,
            "Bias update speed gamma of the sigmoid router").must(v -> v >= 0, ">= 0");
    static final Key<Double> SCALE = Key.required("routing.sigmoid.scale", ValueType.number(), 1.0,
            "Scale of the sigmoid router's normalised weights").must(positive(), "> 0");

    static SigmoidRouterConfig read(ConfigReader r) {
        return new SigmoidRouterConfig(r.get(BIAS_RATE), r.get(SCALE));
    }
}
