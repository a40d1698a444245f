package io.sparkmoe.routing;

import java.util.Map;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Result of a router's backward pass.
 *
 * @param input      dL/dx, [N, d], same data type as x
 * @param parameters dL/d(each learned tensor), by the names of {@link RouterParameters#learned()}
 */
public record RouterGradients(INDArray input, Map<String, INDArray> parameters) {
}
