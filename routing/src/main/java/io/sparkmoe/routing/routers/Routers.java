package io.sparkmoe.routing.routers;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import io.sparkmoe.conf.RoutingConfig;
import io.sparkmoe.routing.Router;
import io.sparkmoe.routing.scores.CosineScores;
import io.sparkmoe.routing.scores.GroupMeanScores;
import io.sparkmoe.routing.scores.LinearScores;
import io.sparkmoe.routing.scores.ScoreFunction;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The routers by short name ({@code routing.router}). A router is built once per MoE layer from the config,
 * its shape and a seed; the same seed gives the same initial tensors (drawn from {@link Random}, so they do
 * not depend on ND4J's random state). An unknown name lists the available ones.
 */
public final class Routers {

    /** Builds one router. */
    @FunctionalInterface
    interface Factory {
        Router create(RoutingConfig config, RouterShape shape, long seed);
    }

    private static final Map<String, Factory> FACTORIES = new LinkedHashMap<>();

    static {
        FACTORIES.put("topk", (c, s, seed) -> new SoftmaxTopKRouter("topk", c, linear(c, s, seed), c.topK(), c.normalize()));
        FACTORIES.put("switch", (c, s, seed) -> new SoftmaxTopKRouter("switch", c, linear(c, s, seed), 1, false));
        FACTORIES.put("hash", (c, s, seed) -> new HashRouter(c, s.experts(), s.vocab(), seed));
        FACTORIES.put("expert-choice", (c, s, seed) -> new ExpertChoiceRouter(c, linear(c, s, seed)));
        FACTORIES.put("base", (c, s, seed) -> new BaseRouter(c, linear(c, s, seed)));
        FACTORIES.put("sigmoid", (c, s, seed) -> new SigmoidRouter(c, linear(c, s, seed), s.type()));
        FACTORIES.put("relu", (c, s, seed) -> new ReluRouter(c, linear(c, s, seed)));
        FACTORIES.put("cosine", (c, s, seed) -> new SoftmaxTopKRouter("cosine", c, cosine(c, s, seed), c.topK(), c.normalize()));
        FACTORIES.put("grap", (c, s, seed) -> new SoftmaxTopKRouter("grap", c, new GroupMeanScores(s.experts(), s.hidden()), 1, false));
    }

    private Routers() {
    }

    /** Names with an implementation, in MODEL.md's order. */
    public static List<String> names() {
        return List.copyOf(FACTORIES.keySet());
    }

    /** The router {@code config.router()} for the given shape, initialised from {@code seed}. */
    public static Router create(RoutingConfig config, RouterShape shape, long seed) {
        Factory f = FACTORIES.get(config.router());
        if (f == null) {
            throw new IllegalArgumentException("unknown router '" + config.router() + "'; available: "
                    + String.join(", ", FACTORIES.keySet()));
        }
        return f.create(config, shape, seed);
    }

    private static ScoreFunction linear(RoutingConfig c, RouterShape s, long seed) {
        double std = c.zeroInit() ? 0 : s.initStd();
        return new LinearScores(normal(new Random(seed), s.experts(), s.hidden(), std, s.type()));
    }

    private static ScoreFunction cosine(RoutingConfig c, RouterShape s, long seed) {
        Random r = new Random(seed);
        int dim = c.cosine().dim();
        INDArray projection = normal(r, dim, s.hidden(), s.initStd(), s.type());
        INDArray embeddings = normal(r, s.experts(), dim, s.initStd(), s.type());
        INDArray logTau = Nd4j.scalar(s.type(), Math.log(c.cosine().tauInit()));
        return new CosineScores(projection, embeddings, logTau);
    }

    /** A [rows, cols] matrix of normal(0, std) draws. */
    static INDArray normal(Random r, int rows, int cols, double std, DataType type) {
        double[] v = new double[rows * cols];
        for (int i = 0; i < v.length; i++) {
            v[i] = std * r.nextGaussian();
        }
        INDArray a = Nd4j.create(v, new long[]{rows, cols}, 'c');
        return type == DataType.DOUBLE ? a : a.castTo(type);
    }
}
