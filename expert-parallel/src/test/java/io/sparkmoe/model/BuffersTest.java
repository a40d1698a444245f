package io.sparkmoe.model;

import java.util.Random;

import io.sparkmoe.routing.scores.Arrays2;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The bulk copies the layers use instead of {@link Arrays2}: against its slow, obvious conversions, for row-major,
 * column-major (GEMM outputs, read with a tiled transpose) and view arrays, in float32 and float64.
 */
class BuffersTest {

    private static INDArray random(DataType type, int rows, int cols, char order) {
        INDArray a = GradientCheck.normal(new Random(rows * 31L + cols), rows, cols, 1).castTo(type);
        return a.dup(order);
    }

    @ParameterizedTest
    @EnumSource(value = DataType.class, names = {"FLOAT", "DOUBLE"})
    void readsEveryLayoutInRowMajorOrder(DataType type) {
        Buffers buffers = new Buffers();
        for (char order : new char[]{'c', 'f'}) {
            INDArray a = random(type, 37, 70, order);     // not a multiple of the transpose tile
            double[] out = new double[37 * 70 + 5];
            buffers.read(a, out);
            assertArrayEquals(Arrays2.toDoubles(a), java.util.Arrays.copyOf(out, 37 * 70), 0.0, "order " + order);
        }
        INDArray view = random(type, 12, 9, 'c').get(org.nd4j.linalg.indexing.NDArrayIndex.interval(2, 7),
                org.nd4j.linalg.indexing.NDArrayIndex.interval(1, 8));
        double[] out = new double[35];
        buffers.read(view, out);
        assertArrayEquals(Arrays2.toDoubles(view), out, 0.0);
    }

    @ParameterizedTest
    @EnumSource(value = DataType.class, names = {"FLOAT", "DOUBLE"})
    void writesRowMajorValuesBack(DataType type) {
        Buffers buffers = new Buffers();
        double[] values = Arrays2.toDoubles(random(DataType.DOUBLE, 5, 6, 'c'));
        INDArray target = new ScratchArray('c').get(type, 5, 6);
        buffers.write(values, target);
        assertArrayEquals(Arrays2.toDoubles(Arrays2.matrix(values, 5, 6, type)), Arrays2.toDoubles(target), 0.0);
    }

    @ParameterizedTest
    @EnumSource(value = DataType.class, names = {"FLOAT", "DOUBLE"})
    void rawCopiesOfAColumnMajorTransposeAreTheRowMajorMatrix(DataType type) {
        // the LM head writes logitsᵀ [V, N] column-major and reads it as row-major logits [N, V]
        Buffers buffers = new Buffers();
        INDArray logits = random(type, 4, 7, 'c');
        INDArray transposed = Nd4j.createUninitialized(type, new long[]{7, 4}, 'f');
        transposed.assign(logits.transpose());
        double[] raw = new double[28];
        buffers.readRaw(transposed, raw);
        assertArrayEquals(Arrays2.toDoubles(logits), raw, 0.0);
        INDArray back = Nd4j.createUninitialized(type, new long[]{7, 4}, 'f');
        buffers.writeRaw(raw, back);
        assertEquals(transposed, back);
    }

    @ParameterizedTest
    @EnumSource(value = DataType.class, names = {"FLOAT", "DOUBLE"})
    void gemmIntoReusedColumnMajorOutputsEqualsTheAllocatingProduct(DataType type) {
        INDArray x = random(type, 9, 5, 'c');
        INDArray w = random(type, 6, 5, 'c');
        ScratchArray out = new ScratchArray('f');
        INDArray first = Linear.forward(x, w, out);
        assertArrayEquals(Arrays2.toDoubles(x.mmul(w.transpose())), Arrays2.toDoubles(first), 1e-5);
        INDArray dy = random(type, 9, 6, 'c');
        INDArray again = Linear.forward(dy.mmul(w), w, out);
        org.junit.jupiter.api.Assertions.assertSame(first, again);     // same buffer, overwritten
        assertArrayEquals(Arrays2.toDoubles(dy.mmul(w).mmul(w.transpose())), Arrays2.toDoubles(again), 1e-4);
    }
}
