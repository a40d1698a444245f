package io.sparkmoe.model;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.SortedMap;
import java.util.TreeMap;

import io.sparkmoe.conf.Capacity;
import io.sparkmoe.conf.ModelConfig;
import io.sparkmoe.conf.MoeConfig;
import io.sparkmoe.conf.RoutingConfig;
import io.sparkmoe.routing.Router;
import io.sparkmoe.routing.routers.RouterShape;
import io.sparkmoe.routing.stats.RoutingStatistics;
import io.sparkmoe.routing.routers.Routers;
import io.sparkmoe.routing.scores.Arrays2;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The decoder-only MoE transformer of MODEL.md with explicit forward and backward: embedding, L blocks (attention,
 * then a dense SwiGLU or a MoE layer per {@link ModelConfig#isMoeLayer}), final RMSNorm, tied or untied LM head.
 * Tensors live in {@link #parameters()} under the PyTorch reference's native names.
 *
 * <p>Init (MODEL.md "Training"): matrices normal(0, init-std) from one seeded {@link Random} in the reference's
 * name order, output projections (Wo, W2 of dense layers, experts and shared experts) scaled by 1/√(2L), norms 1;
 * each router initialises itself (routing library) from {@code seed + 1 + layer}.
 */
public final class MoeTransformer {

    public static final String EMBED = "model.embed_tokens.weight";
    public static final String FINAL_NORM = "model.norm.weight";
    public static final String LM_HEAD = "lm_head.weight";

    private final ModelConfig config;
    private final RoutingConfig routing;
    private final int vocab;
    private final Parameters params;
    private final Embedding embedding;
    private final List<DecoderBlock> blocks = new ArrayList<>();
    private final RmsNorm finalNorm;
    private final String head;
    private final Random random;
    private final double outScale;
    private final StepClock clock = new StepClock();
    private final MoeLayerFactory moeLayers;
    private int sequences;
    private int length;
    private INDArray normed;
    private double lossScale;
    private final CrossEntropy crossEntropy = new CrossEntropy();
    private final ScratchArray logitsOut = new ScratchArray('f');
    private final ScratchArray headInputGradient = new ScratchArray('f');

    public MoeTransformer(ModelConfig config, RoutingConfig routing, int vocab, DataType type, long seed) {
        this(config, routing, vocab, type, seed, MoeLayerFactory.LOCAL);
    }

    /** With the MoE blocks built by {@code moeLayers} (which also decides which routed experts are kept). */
    public MoeTransformer(ModelConfig config, RoutingConfig routing, int vocab, DataType type, long seed,
                          MoeLayerFactory moeLayers) {
        this.config = config;
        this.routing = routing;
        this.moeLayers = moeLayers;
        this.vocab = vocab;
        this.params = new Parameters(type);
        this.random = new Random(seed);
        this.outScale = 1 / Math.sqrt(2.0 * config.layers());
        int d = config.hiddenSize();
        matrix(EMBED, vocab, d, 1);
        ones(FINAL_NORM, d);
        head = config.tieEmbeddings() ? EMBED : LM_HEAD;
        if (!config.tieEmbeddings()) {
            matrix(LM_HEAD, vocab, d, 1);
        }
        embedding = new Embedding(params, EMBED);
        finalNorm = new RmsNorm(params, FINAL_NORM, config.normEps());
        for (int i = 0; i < config.layers(); i++) {
            blocks.add(block(i, routing, seed));
        }
    }

    private DecoderBlock block(int i, RoutingConfig routing, long seed) {
        String pre = "model.layers." + i + ".";
        int d = config.hiddenSize();
        ones(pre + "input_layernorm.weight", d);
        ones(pre + "post_attention_layernorm.weight", d);
        for (String n : new String[]{"q", "k", "v"}) {
            matrix(pre + "self_attn." + n + "_proj.weight", d, d, 1);
        }
        matrix(pre + "self_attn.o_proj.weight", d, d, outScale);
        RmsNorm n1 = new RmsNorm(params, pre + "input_layernorm.weight", config.normEps());
        RmsNorm n2 = new RmsNorm(params, pre + "post_attention_layernorm.weight", config.normEps());
        CausalSelfAttention attention = new CausalSelfAttention(params, pre + "self_attn.", config.heads(), config.ropeBase(),
                clock);
        return new DecoderBlock(n1, attention, n2, config.isMoeLayer(i) ? moe(i, pre, routing, seed + 1 + i) : dense(pre));
    }

    private FeedForward dense(String pre) {
        swiGluWeights(pre + "mlp.gate_proj.weight", pre + "mlp.up_proj.weight", pre + "mlp.down_proj.weight",
                config.denseIntermediateSize());
        return new DenseFeedForward(params, pre + "mlp.", clock);
    }

    private FeedForward moe(int layer, String pre, RoutingConfig routing, long routerSeed) {
        MoeConfig m = config.moe();
        String block = pre + "block_sparse_moe.";
        Router router = Routers.create(routing, new RouterShape(m.experts(), config.hiddenSize(), vocab, params.type(),
                config.initStd()), routerSeed);
        AbstractMoeLayer.register(params, block, router);
        for (int j = 0; j < m.experts(); j++) {
            expertWeights(block + "experts." + j + ".", m.intermediateSize(), moeLayers.holds(layer, j));
        }
        for (int s = 0; s < m.sharedExperts(); s++) {
            expertWeights(block + "shared_experts." + s + ".", m.sharedSize(), true);
        }
        boolean gate = m.sharedGate() && m.sharedExperts() > 0;
        if (gate) {
            matrix(block + "shared_expert_gate.weight", 1, config.hiddenSize(), 1);
        }
        return moeLayers.create(layer, params, block, router, m.sharedExperts(), gate, clock);
    }

    private void expertWeights(String pre, int hidden, boolean keep) {
        swiGluWeights(pre + "w1.weight", pre + "w3.weight", pre + "w2.weight", hidden, keep);
    }

    private void swiGluWeights(String w1, String w3, String w2, int hidden) {
        swiGluWeights(w1, w3, w2, hidden, true);
    }

    private void swiGluWeights(String w1, String w3, String w2, int hidden, boolean keep) {
        int d = config.hiddenSize();
        matrix(w1, hidden, d, 1, keep);
        matrix(w3, hidden, d, 1, keep);
        matrix(w2, d, hidden, outScale, keep);
    }

    private void matrix(String name, int rows, int cols, double scale) {
        matrix(name, rows, cols, scale, true);
    }

    /** Draws the tensor's init from the shared stream; registers it only when {@code keep}. */
    private void matrix(String name, int rows, int cols, double scale, boolean keep) {
        double[] v = new double[rows * cols];
        double std = config.initStd() * scale;
        for (int i = 0; i < v.length; i++) {
            v[i] = random.nextGaussian() * std;
        }
        if (keep) {
            params.add(name, Arrays2.matrix(v, rows, cols, params.type()));
        }
    }

    private void ones(String name, int n) {
        double[] v = new double[n];
        java.util.Arrays.fill(v, 1);
        params.add(name, Arrays2.matrix(v, 1, n, params.type()).reshape(n));
    }

    public Parameters parameters() {
        return params;
    }

    /** Where the time of the forwards and backwards since the last {@link StepClock#drain} went. */
    public StepClock clock() {
        return clock;
    }

    public List<DecoderBlock> blocks() {
        return List.copyOf(blocks);
    }

    /**
     * Whether the routers see training calls (the default) or evaluation calls: eval, score, generate and exports
     * route as at evaluation (MODEL.md: {@code base} takes the top-1 expert at evaluation).
     */
    public void setTraining(boolean training) {
        for (DecoderBlock block : blocks) {
            if (block.feedForward() instanceof AbstractMoeLayer) {
                ((AbstractMoeLayer) block.feedForward()).setTraining(training);
            }
        }
    }

    /** ids [B][T] → logits [B·T, V] (row b·T + t). No padding mask: every position is routed. */
    public INDArray forward(int[][] ids) {
        return forward(ids, -1).transpose();
    }

    private INDArray forward(int[][] ids, int padId) {
        sequences = ids.length;
        length = ids[0].length;
        int[] flat = new int[sequences * length];
        boolean[] padding = padId < 0 ? null : new boolean[flat.length];
        for (int b = 0; b < sequences; b++) {
            if (ids[b].length != length) {
                throw new IllegalArgumentException("sequences must have equal length");
            }
            for (int t = 0; t < length; t++) {
                flat[b * length + t] = ids[b][t];
                if (padding != null) {
                    padding[b * length + t] = ids[b][t] == padId;
                }
            }
        }
        INDArray h = embedding.forward(flat);
        for (DecoderBlock block : blocks) {
            h = block.forward(h, sequences, length, flat, padding);
        }
        normed = finalNorm.forward(h);
        // logitsᵀ [V, N] column-major: the same memory as row-major logits [N, V], which the cross-entropy reads
        INDArray w = params.value(head);
        INDArray logitsT = logitsOut.get(w.dataType(), w.rows(), normed.rows());
        Gemm.gemm(w, normed, logitsT, false, true, 1.0, 0.0);
        return logitsT;
    }

    /**
     * Whether {@link #forwardCached} gives the full forward's logits: every token's routing must depend on that token
     * alone. Not so for {@code expert-choice} (experts pick among the batch's tokens) nor under a capacity (what is
     * dropped depends on the other tokens); those decode by recomputing the window. Dense models always can.
     */
    public boolean decodesIncrementally() {
        boolean anyMoe = false;
        for (int i = 0; i < config.layers(); i++) {
            anyMoe |= config.isMoeLayer(i);
        }
        return !anyMoe || !"expert-choice".equals(routing.router())
                && routing.capacity() instanceof Capacity.Dropless;
    }

    /** An empty key/value cache for one sequence of at most {@code positions} tokens. */
    public KeyValueCache newCache(int positions) {
        return new KeyValueCache(blocks.size(), positions, config.hiddenSize());
    }

    /**
     * Inference only (incremental decoding): the logits [n, V] of the tokens {@code ids}, at the positions after those
     * in {@code cache}, whose keys and values it appends. Equal to the last n rows of {@link #forward} of the whole
     * sequence when {@link #decodesIncrementally}; costs n tokens' work per layer plus attention over the prefix.
     * Uses none of the training path's reused buffers (no backward may follow).
     */
    public INDArray forwardCached(int[] ids, KeyValueCache cache) {
        cache.reserve(ids.length);
        int first = cache.length();
        INDArray h = embedding.lookup(ids);
        for (int i = 0; i < blocks.size(); i++) {
            h = blocks.get(i).forwardCached(h, cache.layer(i), first, ids);
        }
        cache.advance(ids.length);
        return finalNorm.apply(h).mmul(params.value(head).transpose());
    }

    /**
     * Training loss of ids [B][T+1]: inputs {@code ids[:, :-1]}, targets {@code ids[:, 1:]}; mean cross-entropy over
     * targets that are not {@code padId} (−1: none), plus the sum of the MoE layers' auxiliary losses. Padding
     * inputs are not routed. Prepares {@link #backward}.
     */
    public double loss(int[][] ids, int padId) {
        long start = System.nanoTime();
        int[][] inputs = new int[ids.length][];
        for (int b = 0; b < ids.length; b++) {
            inputs[b] = java.util.Arrays.copyOf(ids[b], ids[b].length - 1);
        }
        INDArray logitsT = forward(inputs, padId);
        int[] targets = new int[sequences * length];
        int counted = 0;
        for (int b = 0; b < ids.length; b++) {
            for (int t = 0; t < length; t++) {
                int target = ids[b][t + 1];
                boolean ignored = target == padId;
                targets[b * length + t] = ignored ? CrossEntropy.IGNORED : target;
                counted += ignored ? 0 : 1;
            }
        }
        // logitsᵀ [V, N] column-major is row-major logits [N, V] in memory: its transpose is a contiguous 'c' view
        double ce = crossEntropy.lossAndGradient(logitsT.transpose(), targets);
        lossScale = counted == 0 ? 0 : 1.0 / counted;
        clock.addModelTime(System.nanoTime() - start);
        return ce * lossScale + auxLoss();
    }

    /**
     * Once per optimizer step, after it: each router's own rule with the last forward's decision (the sigmoid router's
     * selection-bias update, the ReLU router's L1 weight update).
     */
    public void afterStep() {
        for (DecoderBlock block : blocks) {
            if (block.feedForward() instanceof AbstractMoeLayer) {
                AbstractMoeLayer moe = (AbstractMoeLayer) block.feedForward();
                moe.router().afterStep(moe.decision());
            }
        }
    }

    /** Routing statistics of the last forward, by index of the MoE layer's block (for metrics and reports). */
    public SortedMap<Integer, RoutingStatistics> routingStatistics() {
        SortedMap<Integer, RoutingStatistics> out = new TreeMap<>();
        for (int i = 0; i < blocks.size(); i++) {
            if (blocks.get(i).feedForward() instanceof AbstractMoeLayer) {
                out.put(i, ((AbstractMoeLayer) blocks.get(i).feedForward()).decision().statistics());
            }
        }
        return out;
    }

    /** Sum of the MoE layers' auxiliary losses (weighted) of the last forward. */
    public double auxLoss() {
        double aux = 0;
        for (DecoderBlock block : blocks) {
            aux += block.feedForward().auxLoss();
        }
        return aux;
    }

    /** Backward of the last {@link #loss}: accumulates dL/d(every learned tensor) into the gradient buffers. */
    public void backward() {
        long start = System.nanoTime();
        // dLogits [N, V] = (softmax − onehot)/count: the 1/count is the GEMMs' alpha. dW += dLogitsᵀ·normed,
        // dNormed = dLogits·W
        INDArray w = params.value(head);
        INDArray dLogits = crossEntropy.gradient();
        Gemm.gemm(dLogits, normed, params.gradient(head), true, false, lossScale, 1.0);
        INDArray dNormed = headInputGradient.get(params.type(), sequences * length, w.columns());
        Gemm.gemm(dLogits, w, dNormed, false, false, lossScale, 0.0);
        INDArray dh = finalNorm.backward(dNormed);
        for (int i = blocks.size() - 1; i >= 0; i--) {
            dh = blocks.get(i).backward(dh);
        }
        embedding.backward(dh);
        clock.addModelTime(System.nanoTime() - start);
    }
}
