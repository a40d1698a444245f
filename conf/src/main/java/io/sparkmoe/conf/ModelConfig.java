package io.sparkmoe.conf;

import java.util.Optional;

import static io.sparkmoe.conf.Key.atLeast;
import static io.sparkmoe.conf.Key.positive;

/**
 * Section {@code model}: the decoder-only transformer of MODEL.md.
 *
 * @param vocabSize             V; empty = the tokenizer's size (MODEL.md: they must agree)
 * @param hiddenSize            d
 * @param layers                L
 * @param heads                 H (head dim {@code d/H}, even for RoPE)
 * @param seqLen                T, tokens per training sequence
 * @param ropeBase              RoPE base θ
 * @param normEps               RMSNorm epsilon
 * @param tieEmbeddings         LM head shares the embedding matrix
 * @param denseIntermediateSize hidden size of dense (non-MoE) SwiGLU layers
 * @param initStd               standard deviation of the normal initialisation of matrices
 * @param moe                   the MoE layers
 */
public record ModelConfig(Optional<Integer> vocabSize, int hiddenSize, int layers, int heads, int seqLen,
                          double ropeBase, double normEps, boolean tieEmbeddings, int denseIntermediateSize,
                          double initStd, MoeConfig moe) {

    static final Key<Integer> VOCAB_SIZE = Key.optional("model.vocab-size", ValueType.integer(), null,
            "Vocabulary size V; null = the prepared tokenizer's size").must(atLeast(2), ">= 2");
    static final Key<Integer> HIDDEN_SIZE = Key.required("model.hidden-size", ValueType.integer(), 256,
            "Hidden size d").must(atLeast(2), ">= 2");
    static final Key<Integer> LAYERS = Key.required("model.layers", ValueType.integer(), 4,
            "Number of transformer blocks L").must(atLeast(1), ">= 1");
    static final Key<Integer> HEADS = Key.required("model.heads", ValueType.integer(), 4,
            "Attention heads H").must(atLeast(1), ">= 1");
    static final Key<Integer> SEQ_LEN = Key.required("model.seq-len", ValueType.integer(), 256,
            "Tokens per training sequence T").must(atLeast(2), ">= 2");
    static final Key<Double> ROPE_BASE = Key.required("model.rope-base", ValueType.number(), 10000.0,
            "RoPE base").must(v -> v > 1, "> 1");
    static final Key<Double> NORM_EPS = Key.required("model.norm-eps", ValueType.number(), 1e-5,
            "RMSNorm epsilon").must(positive(), "> 0");
    static final Key<Boolean> TIE_EMBEDDINGS = Key.required("model.tie-embeddings", ValueType.bool(), false,
            "LM head shares the token embedding matrix");
    static final Key<Integer> DENSE_INTERMEDIATE = Key.required("model.dense-intermediate-size", ValueType.integer(),
            1024, "Hidden size of dense SwiGLU layers (not the expert size)").must(atLeast(1), ">= 1");
    static final Key<Double> INIT_STD = Key.required("model.init-std", ValueType.number(), 0.02,
            "Std of the normal init of matrices (output projections scaled by 1/sqrt(2L))").must(positive(), "> 0");

    static ModelConfig read(ConfigReader r) {
        ModelConfig c = new ModelConfig(r.getOptional(VOCAB_SIZE), r.get(HIDDEN_SIZE), r.get(LAYERS), r.get(HEADS),
                r.get(SEQ_LEN), r.get(ROPE_BASE), r.get(NORM_EPS), r.get(TIE_EMBEDDINGS), r.get(DENSE_INTERMEDIATE),
                r.get(INIT_STD), MoeConfig.read(r));
        r.check(c.hiddenSize % c.heads == 0, "hidden-size (" + c.hiddenSize + ") is not divisible by heads ("
                + c.heads + ")", HIDDEN_SIZE, HEADS);
        r.check(c.hiddenSize % c.heads != 0 || (c.hiddenSize / c.heads) % 2 == 0, "head dimension hidden-size/heads ("
                + c.hiddenSize / Math.max(1, c.heads) + ") must be even for RoPE's rotate-half", HIDDEN_SIZE, HEADS);
        r.check(c.moe.firstDenseLayers() <= c.layers, "first-dense-layers (" + c.moe.firstDenseLayers()
                + ") exceeds layers (" + c.layers + ")", MoeConfig.FIRST_DENSE_LAYERS, LAYERS);
        r.check(c.moe.layerList().map(l -> l.stream().allMatch(i -> i < c.layers)).orElse(true),
                "moe.layers " + c.moe.layerList().orElse(java.util.List.of()) + " names a layer >= layers ("
                        + c.layers + ")", MoeConfig.LAYER_LIST, LAYERS);
        return c;
    }

    /** Head dimension {@code d/H}. */
    public int headDim() {
        return hiddenSize / heads;
    }

    /** Whether block {@code layer} holds a MoE layer (rather than a dense SwiGLU). */
    public boolean isMoeLayer(int layer) {
        if (moe.layerList().isPresent()) {
            return moe.layerList().get().contains(layer);
        }
        // As the PyTorch reference: every = 2 makes layers 1, 3, 5, … MoE (GShard/Switch).
        return layer >= moe.firstDenseLayers() && (layer + 1) % moe.every() == 0;
    }

    /** How many blocks hold a MoE layer. */
    public int moeLayerCount() {
        int n = 0;
        for (int i = 0; i < layers; i++) {
            n += isMoeLayer(i) ? 1 : 0;
        }
        return n;
    }
}
