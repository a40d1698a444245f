package io.sparkmoe.model;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * One pre-norm decoder block: {@code h += Attn(RMSNorm(h))}, then {@code h += FFN(RMSNorm(h))}. Backward: each residual
 * passes dL/dh straight through and adds the branch's dL/dh. The four sums go into arrays reused step after step (a
 * fresh [B·T, d] array per sum cost more than the add).
 */
public final class DecoderBlock {

    private final RmsNorm attentionNorm;
    private final CausalSelfAttention attention;
    private final RmsNorm ffnNorm;
    private final FeedForward ffn;
    private final ScratchArray middle = new ScratchArray('c');
    private final ScratchArray output = new ScratchArray('c');
    private final ScratchArray middleGradient = new ScratchArray('c');
    private final ScratchArray inputGradient = new ScratchArray('c');

    public DecoderBlock(RmsNorm attentionNorm, CausalSelfAttention attention, RmsNorm ffnNorm, FeedForward ffn) {
        this.attentionNorm = attentionNorm;
        this.attention = attention;
        this.ffnNorm = ffnNorm;
        this.ffn = ffn;
    }

    public FeedForward feedForward() {
        return ffn;
    }

    public INDArray forward(INDArray h, int sequences, int tokensPerSequence, int[] ids, boolean[] padding) {
        INDArray mid = h.add(attention.forward(attentionNorm.forward(h), sequences, tokensPerSequence), like(middle, h));
        return mid.add(ffn.forward(ffnNorm.forward(mid), ids, padding), like(output, h));
    }

    /**
     * Inference only: the block for the n new positions of one sequence, attention over {@code cache} (see
     * {@link CausalSelfAttention#forwardCached}); the norms and the feed-forward are the same code as {@link #forward}.
     */
    INDArray forwardCached(INDArray h, KeyValueCache.Layer cache, int first, int[] ids) {
        INDArray mid = h.add(attention.forwardCached(attentionNorm.apply(h), cache, first));
        return mid.add(ffn.forward(ffnNorm.apply(mid), ids, null));
    }

    public INDArray backward(INDArray dOut) {
        INDArray dMid = dOut.add(ffnNorm.backward(ffn.backward(dOut)), like(middleGradient, dOut));
        return dMid.add(attentionNorm.backward(attention.backward(dMid)), like(inputGradient, dOut));
    }

    private static INDArray like(ScratchArray scratch, INDArray a) {
        return scratch.get(a.dataType(), a.rows(), a.columns());
    }
}
