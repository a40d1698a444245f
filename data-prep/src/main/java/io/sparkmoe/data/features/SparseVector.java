package io.sparkmoe.data.features;

import java.io.Serializable;

/**
 * A sparse vector (dimensions ascending) of our own, so that data-prep needs no Spark; the Spark job turns
 * it into an MLlib vector.
 *
 * @param size    the dimension
 * @param indices non-zero dimensions, ascending
 * @param values  their values
 */
public record SparseVector(int size, int[] indices, double[] values) implements Serializable {
}
