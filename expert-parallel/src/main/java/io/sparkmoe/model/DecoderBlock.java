package io.sparkmoe.model;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * One pre-norm decoder block: {@code h += Attn(RMSNorm(h))}, then {@code h += FFN(RMSNorm(h))}. Backward: each residual
 * passes dL/dh straight through and adds the branch's dL/dh.
 */
public final class DecoderBlock {

    private final RmsNorm attentionNorm;
    private final CausalSelfAttention attention;
    private final RmsNorm ffnNorm;
    private final FeedForward ffn;

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
        INDArray mid = h.add(attention.forward(attentionNorm.forward(h), sequences, tokensPerSequence));
        return mid.add(ffn.forward(ffnNorm.forward(mid), ids, padding));
    }

    public INDArray backward(INDArray dOut) {
        INDArray dMid = dOut.add(ffnNorm.backward(ffn.backward(dOut)));
        return dMid.add(attentionNorm.backward(attention.backward(dMid)));
    }
}
