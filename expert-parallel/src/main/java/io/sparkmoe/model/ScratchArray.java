package io.sparkmoe.model;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * One reused [rows, cols] ND4J array for a fixed place in a layer (an output of a GEMM, an array built from Java
 * values): allocated again only when the shape or type changes. Allocating native arrays is not free here (a new
 * 1 MB array cost more than the 512×256×512 GEMM written into it), and most shapes repeat every step. What it
 * returns is overwritten by the next call at the same place, so a layer may hand it on only until its next forward.
 */
final class ScratchArray {

    private final char order;
    private INDArray array;

    /** order: 'f' for GEMM outputs (ND4J's fast path), 'c' for arrays filled from row-major Java values. */
    ScratchArray(char order) {
        this.order = order;
    }

    INDArray get(DataType type, long rows, long cols) {
        if (array == null || array.dataType() != type || array.rows() != rows || array.columns() != cols) {
            array = Nd4j.createUninitialized(type, new long[]{rows, cols}, order);
        }
        return array;
    }
}
