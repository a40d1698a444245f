package io.sparkmoe.routing.routers;

import org.nd4j.linalg.api.buffer.DataType;

/**
 * The sizes a router is built for.
 *
 * @param experts  E
 * @param hidden   d
 * @param vocab    V (for {@code hash})
 * @param type     data type of the learned tensors (float32 in training, float64 in gradient checks)
 * @param initStd  standard deviation of the normal init of router matrices (MODEL.md: 0.02)
 */
public record RouterShape(int experts, int hidden, int vocab, DataType type, double initStd) {

    public static RouterShape of(int experts, int hidden, int vocab, DataType type) {
        return new RouterShape(experts, hidden, vocab, type, 0.02);
    }
}
