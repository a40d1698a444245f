package io.sparkmoe.model;

import org.nd4j.linalg.api.ndarray.INDArray;

/** A dense layer's SwiGLU ({@code mlp.gate_proj / up_proj / down_proj} = W1, W3, W2). */
public final class DenseFeedForward implements FeedForward {

    private final SwiGlu swiGlu;

    public DenseFeedForward(Parameters params, String prefix) {
        swiGlu = new SwiGlu(params, prefix + "gate_proj.weight", prefix + "up_proj.weight", prefix + "down_proj.weight");
    }

    @Override
    public INDArray forward(INDArray x, int[] ids, boolean[] padding) {
        return swiGlu.forward(x);
    }

    @Override
    public INDArray backward(INDArray dy) {
        return swiGlu.backward(dy);
    }
}
