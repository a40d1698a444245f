package io.sparkmoe.model;

import org.nd4j.linalg.api.ndarray.INDArray;

/** A dense layer's SwiGLU ({@code mlp.gate_proj / up_proj / down_proj} = W1, W3, W2). */
public final class DenseFeedForward implements FeedForward {

    private final SwiGlu swiGlu;
    private final StepClock clock;

    public DenseFeedForward(Parameters params, String prefix, StepClock clock) {
        this.clock = clock;
        swiGlu = new SwiGlu(params, prefix + "gate_proj.weight", prefix + "up_proj.weight", prefix + "down_proj.weight");
    }

    @Override
    public INDArray forward(INDArray x, int[] ids, boolean[] padding) {
        long t = System.nanoTime();
        INDArray y = swiGlu.forward(x);
        clock.lap(StepClock.DENSE, t);
        return y;
    }

    @Override
    public INDArray backward(INDArray dy) {
        long t = System.nanoTime();
        INDArray dx = swiGlu.backward(dy);
        clock.lap(StepClock.DENSE, t);
        return dx;
    }
}
