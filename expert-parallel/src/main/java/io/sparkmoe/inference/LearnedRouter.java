package io.sparkmoe.inference;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sparkmoe.model.Parameters;
import io.sparkmoe.model.io.ModelFileException;
import io.sparkmoe.model.io.Safetensors;
import io.sparkmoe.routing.scores.Arrays2;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The learned router of decentralized experts (Paris): a small classifier, trained after the experts on the
 * cluster labels of the training windows, that reads a sequence's first tokens and gives a weight per expert.
 * Unlike the centroid router it never decodes text: it sees token ids, so it learns which tokens mark a cluster
 * (a language's frequent sub-words) instead of relying on the TF-IDF features of a few decoded words.
 *
 * <p>The prefix {@code x_1 … x_P} is mean-pooled through its own embedding table, {@code h = (1/P) Σ_t E[x_t]};
 * an optional hidden layer {@code a = tanh(W1 h + b1)} (else {@code a = h}); then {@code w = softmax(W2 a + b2)}.
 * The loss is the mean cross-entropy of the cluster labels. Forward and backward are explicit loops over Java
 * arrays (the model is a few thousand numbers per vocabulary row, too small for ND4J to pay); the tensors live in a
 * {@link Parameters} store so that the project's {@link io.sparkmoe.model.AdamW} trains them.
 */
public final class LearnedRouter implements EnsembleEvaluation.SequenceRouter {

    public static final String EMBED = "router.embed.weight";
    public static final String HIDDEN_WEIGHT = "router.hidden.weight";
    public static final String HIDDEN_BIAS = "router.hidden.bias";
    public static final String OUT_WEIGHT = "router.out.weight";
    public static final String OUT_BIAS = "router.out.bias";
    /** The router's files inside its directory. */
    public static final String WEIGHTS = "router.safetensors";
    public static final String CONFIG = "router.json";

    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * The router's sizes.
     *
     * @param vocab        token ids it reads, {@code [0, vocab)}
     * @param dim          embedding width D
     * @param hidden       hidden width H; 0 = no hidden layer
     * @param experts      outputs K (one per cluster)
     * @param prefixTokens how many leading tokens it reads at most
     */
    public record Shape(int vocab, int dim, int hidden, int experts, int prefixTokens) {
        public Shape {
            if (vocab < 1 || dim < 1 || hidden < 0 || experts < 1 || prefixTokens < 1) {
                throw new IllegalArgumentException("bad router shape " + vocab + "/" + dim + "/" + hidden + "/"
                        + experts + "/" + prefixTokens);
            }
        }

        int features() {
            return hidden > 0 ? hidden : dim;
        }
    }

    private final Shape shape;
    private final Parameters params;

    private LearnedRouter(Shape shape, Parameters params) {
        this.shape = shape;
        this.params = params;
    }

    /** A new router with random weights: N(0, 1) embeddings, N(0, 1/fan-in) matrices, zero biases. */
    public static LearnedRouter initialized(Shape shape, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        Parameters p = new Parameters(DataType.DOUBLE);
        p.add(EMBED, gaussian(random, 1.0, shape.vocab(), shape.dim()));
        if (shape.hidden() > 0) {
            p.add(HIDDEN_WEIGHT, gaussian(random, 1 / Math.sqrt(shape.dim()), shape.hidden(), shape.dim()));
            p.add(HIDDEN_BIAS, gaussian(random, 0, shape.hidden()));
        }
        p.add(OUT_WEIGHT, gaussian(random, 1 / Math.sqrt(shape.features()), shape.experts(), shape.features()));
        p.add(OUT_BIAS, gaussian(random, 0, shape.experts()));
        return new LearnedRouter(shape, p);
    }

    private static INDArray gaussian(SplittableRandom random, double std, int... dims) {
        int n = 1;
        for (int d : dims) {
            n *= d;
        }
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            v[i] = std == 0 ? 0 : std * gaussian(random);
        }
        return Arrays2.matrix(v, 1, n, DataType.DOUBLE).reshape(toLong(dims));
    }

    private static double gaussian(SplittableRandom random) {
        double u = 1 - random.nextDouble();
        return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random.nextDouble());
    }

    private static long[] toLong(int[] dims) {
        long[] out = new long[dims.length];
        for (int i = 0; i < dims.length; i++) {
            out[i] = dims[i];
        }
        return out;
    }

    public Shape shape() {
        return shape;
    }

    /** The learned tensors (and their gradients), for the optimizer and gradient checks. */
    public Parameters parameters() {
        return params;
    }

    /** The weight of every expert for a sequence whose first tokens are {@code prefix} (the first P are read). */
    @Override
    public double[] weights(int[] prefix) {
        Weights w = new Weights(params, shape);
        return w.forward(prefix).probabilities;
    }

    /**
     * Mean cross-entropy of {@code labels[i]} given {@code prefixes[i]}; when {@code accumulate}, adds its gradient
     * to the store's gradient buffers.
     */
    public double loss(List<int[]> prefixes, int[] labels, boolean accumulate) {
        if (prefixes.size() != labels.length || labels.length == 0) {
            throw new IllegalArgumentException(prefixes.size() + " prefixes and " + labels.length + " labels");
        }
        Weights w = new Weights(params, shape);
        Weights g = accumulate ? Weights.zerosLike(w) : null;
        double sum = 0;
        double scale = 1.0 / labels.length;
        for (int i = 0; i < labels.length; i++) {
            if (labels[i] < 0 || labels[i] >= shape.experts()) {
                throw new IllegalArgumentException("label " + labels[i] + " outside [0, " + shape.experts() + ")");
            }
            Pass pass = w.forward(prefixes.get(i));
            sum -= Math.log(Math.max(pass.probabilities[labels[i]], Double.MIN_NORMAL));
            if (accumulate) {
                w.backward(pass, labels[i], scale, g);
            }
        }
        if (accumulate) {
            g.accumulateInto(params);
        }
        return sum * scale;
    }

    /** How many of {@code prefixes} get their label as the largest weight. */
    public int correct(List<int[]> prefixes, int[] labels) {
        Weights w = new Weights(params, shape);
        int n = 0;
        for (int i = 0; i < labels.length; i++) {
            n += EnsembleEvaluation.argmax(w.forward(prefixes.get(i)).probabilities) == labels[i] ? 1 : 0;
        }
        return n;
    }

    /**
     * The router's files: {@code router.safetensors} (float64 tensors) and {@code router.json} (its shape and
     * {@code extra}, e.g. how it was trained).
     */
    public Map<String, byte[]> files(Map<String, Object> extra) {
        ObjectNode json = JSON.createObjectNode();
        json.put("format", "sparkmoe-learned-router");
        json.put("vocab_size", shape.vocab());
        json.put("dim", shape.dim());
        json.put("hidden", shape.hidden());
        json.put("experts", shape.experts());
        json.put("prefix_tokens", shape.prefixTokens());
        extra.forEach((k, v) -> json.set(k, JSON.valueToTree(v)));
        Map<String, byte[]> files = new LinkedHashMap<>();
        files.put(WEIGHTS, Safetensors.write(params.tensors(), Map.of("format", "sparkmoe-learned-router")));
        try {
            files.put(CONFIG, (JSON.writerWithDefaultPrettyPrinter().writeValueAsString(json) + "\n")
                    .getBytes(StandardCharsets.UTF_8));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
        return files;
    }

    /** Reads a router directory written from {@link #files}; errors name the file and what was wrong. */
    public static LearnedRouter load(Path dir) {
        Path config = dir.resolve(CONFIG);
        Path weights = dir.resolve(WEIGHTS);
        JsonNode json;
        byte[] bytes;
        try {
            json = JSON.readTree(Files.readAllBytes(config));
            bytes = Files.readAllBytes(weights);
        } catch (java.io.IOException e) {
            throw new ModelFileException(dir + ": cannot read the learned router (" + e + ")", e);
        }
        if (!"sparkmoe-learned-router".equals(json.path("format").asText())) {
            throw new ModelFileException(config + ": \"format\" must be \"sparkmoe-learned-router\", got "
                    + json.path("format"));
        }
        Shape shape;
        try {
            shape = new Shape(json.path("vocab_size").asInt(0), json.path("dim").asInt(0), json.path("hidden").asInt(-1),
                    json.path("experts").asInt(0), json.path("prefix_tokens").asInt(0));
        } catch (IllegalArgumentException e) {
            throw new ModelFileException(config + ": " + e.getMessage() + " (vocab_size/dim/hidden/experts/prefix_tokens)");
        }
        LearnedRouter router = initialized(shape, 0);
        Safetensors.Contents contents = Safetensors.read(bytes, weights.toString());
        for (String name : router.params.names()) {
            Safetensors.Tensor t = contents.tensor(name, weights.toString());
            double[] v = t.doubles();
            if (v.length != router.params.value(name).length()) {
                throw new ModelFileException(weights + ": " + name + " has " + v.length + " values, router.json's shape needs "
                        + router.params.value(name).length());
            }
            router.params.load(name, v);
        }
        return router;
    }

    /** One example's forward values, kept for its backward. */
    static final class Pass {
        final int[] tokens;
        final double[] pooled;
        final double[] activation;
        final double[] probabilities;

        Pass(int[] tokens, double[] pooled, double[] activation, double[] probabilities) {
            this.tokens = tokens;
            this.pooled = pooled;
            this.activation = activation;
            this.probabilities = probabilities;
        }
    }

    /** The tensors as row-major Java arrays (or their gradients, same layout). */
    static final class Weights {
        final Shape shape;
        final double[] embed;
        final double[] hiddenWeight;
        final double[] hiddenBias;
        final double[] outWeight;
        final double[] outBias;

        Weights(Shape shape, double[] embed, double[] hiddenWeight, double[] hiddenBias, double[] outWeight,
                double[] outBias) {
            this.shape = shape;
            this.embed = embed;
            this.hiddenWeight = hiddenWeight;
            this.hiddenBias = hiddenBias;
            this.outWeight = outWeight;
            this.outBias = outBias;
        }

        Weights(Parameters p, Shape shape) {
            this(shape, Arrays2.toDoubles(p.value(EMBED)),
                    shape.hidden() > 0 ? Arrays2.toDoubles(p.value(HIDDEN_WEIGHT)) : null,
                    shape.hidden() > 0 ? Arrays2.toDoubles(p.value(HIDDEN_BIAS)) : null,
                    Arrays2.toDoubles(p.value(OUT_WEIGHT)), Arrays2.toDoubles(p.value(OUT_BIAS)));
        }

        static Weights zerosLike(Weights w) {
            return new Weights(w.shape, new double[w.embed.length],
                    w.hiddenWeight == null ? null : new double[w.hiddenWeight.length],
                    w.hiddenBias == null ? null : new double[w.hiddenBias.length],
                    new double[w.outWeight.length], new double[w.outBias.length]);
        }

        void accumulateInto(Parameters p) {
            p.accumulate(EMBED, embed);
            if (hiddenWeight != null) {
                p.accumulate(HIDDEN_WEIGHT, hiddenWeight);
                p.accumulate(HIDDEN_BIAS, hiddenBias);
            }
            p.accumulate(OUT_WEIGHT, outWeight);
            p.accumulate(OUT_BIAS, outBias);
        }

        Pass forward(int[] prefix) {
            int n = Math.min(prefix.length, shape.prefixTokens());
            if (n == 0) {
                throw new IllegalArgumentException("the learned router needs at least one prefix token");
            }
            int[] tokens = java.util.Arrays.copyOf(prefix, n);
            int d = shape.dim();
            double[] h = new double[d];
            for (int token : tokens) {
                if (token < 0 || token >= shape.vocab()) {
                    throw new IllegalArgumentException("token id " + token + " is outside the router's vocabulary [0, "
                            + shape.vocab() + ")");
                }
                for (int i = 0; i < d; i++) {
                    h[i] += embed[token * d + i] / n;
                }
            }
            double[] a = h;
            if (shape.hidden() > 0) {
                a = affine(hiddenWeight, hiddenBias, h, shape.hidden());
                for (int i = 0; i < a.length; i++) {
                    a[i] = Math.tanh(a[i]);
                }
            }
            double[] scores = affine(outWeight, outBias, a, shape.experts());
            return new Pass(tokens, h, a, softmax(scores));
        }

        /** Adds {@code scale ×} the gradient of {@code −log p[label]} to {@code g}. */
        void backward(Pass pass, int label, double scale, Weights g) {
            int k = shape.experts();
            int f = shape.features();
            double[] ds = new double[k];
            for (int j = 0; j < k; j++) {
                ds[j] = scale * (pass.probabilities[j] - (j == label ? 1 : 0));
            }
            double[] da = new double[f];
            for (int j = 0; j < k; j++) {
                g.outBias[j] += ds[j];
                for (int i = 0; i < f; i++) {
                    g.outWeight[j * f + i] += ds[j] * pass.activation[i];
                    da[i] += outWeight[j * f + i] * ds[j];
                }
            }
            int d = shape.dim();
            double[] dh = da;
            if (shape.hidden() > 0) {
                dh = new double[d];
                for (int j = 0; j < f; j++) {
                    double dz = da[j] * (1 - pass.activation[j] * pass.activation[j]);
                    g.hiddenBias[j] += dz;
                    for (int i = 0; i < d; i++) {
                        g.hiddenWeight[j * d + i] += dz * pass.pooled[i];
                        dh[i] += hiddenWeight[j * d + i] * dz;
                    }
                }
            }
            int n = pass.tokens.length;
            for (int token : pass.tokens) {
                for (int i = 0; i < d; i++) {
                    g.embed[token * d + i] += dh[i] / n;
                }
            }
        }

        private static double[] affine(double[] w, double[] b, double[] x, int rows) {
            double[] y = new double[rows];
            for (int j = 0; j < rows; j++) {
                double s = b[j];
                for (int i = 0; i < x.length; i++) {
                    s += w[j * x.length + i] * x[i];
                }
                y[j] = s;
            }
            return y;
        }

        private static double[] softmax(double[] s) {
            double lse = ExpertMixture.logSumExp(s);
            double[] p = new double[s.length];
            for (int j = 0; j < s.length; j++) {
                p[j] = Math.exp(s[j] - lse);
            }
            return p;
        }
    }
}
