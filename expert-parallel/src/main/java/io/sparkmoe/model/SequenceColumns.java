package io.sparkmoe.model;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * Attention's [B·T, d] activations laid out per sequence, feature-major: one buffer {@code [B][d][T]}, so sequence b is
 * a contiguous column-major {@code [T, d]} matrix and head h of it a contiguous column-major {@code [T, hd]} matrix.
 * Every per-sequence projection and every per-head product then reads and writes its operands in place ({@link Gemm}
 * takes them with their leading dimension): no copies between a row-major [B·T, d] layout and per-head matrices.
 * Views are made once per buffer.
 */
final class SequenceColumns {

    final INDArray all;
    private final int sequences;
    private final int heads;
    private final INDArray[] sequenceViews;
    private final INDArray[] headViews;

    private SequenceColumns(DataType type, int sequences, int seqLen, int d, int heads) {
        this.all = Nd4j.createUninitialized(type, new long[]{sequences, d, seqLen}, 'c');
        this.sequences = sequences;
        this.heads = heads;
        int hd = d / heads;
        sequenceViews = new INDArray[sequences];
        headViews = new INDArray[sequences * heads];
        for (int b = 0; b < sequences; b++) {
            INDArray block = all.tensorAlongDimension(b, 1, 2);          // [d, T] row-major = [T, d] column-major
            sequenceViews[b] = block.transpose();
            for (int h = 0; h < heads; h++) {
                headViews[b * heads + h] = block.get(NDArrayIndex.interval(h * hd, (h + 1) * hd), NDArrayIndex.all())
                        .transpose();
            }
        }
    }

    /** This layout if it already has the shape and type, else a new one. */
    static SequenceColumns reuse(SequenceColumns c, DataType type, int sequences, int seqLen, int d, int heads) {
        if (c != null && c.all.dataType() == type && c.sequences == sequences && c.heads == heads
                && c.all.size(1) == d && c.all.size(2) == seqLen) {
            return c;
        }
        return new SequenceColumns(type, sequences, seqLen, d, heads);
    }

    /** Sequence b as a column-major [T, d] matrix (a view). */
    INDArray sequence(int b) {
        return sequenceViews[b];
    }

    /** Per (sequence, head), index {@code b·H + h}: column-major [T, hd] matrices (views). */
    INDArray[] heads() {
        return headViews;
    }
}
