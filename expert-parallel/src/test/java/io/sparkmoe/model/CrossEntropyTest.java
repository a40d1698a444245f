package io.sparkmoe.model;

import java.util.Random;

import io.sparkmoe.routing.scores.Arrays2;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The whole-buffer cross-entropy against the obvious float64 loop (max-shifted log-sum-exp per row), with logits that
 * would overflow a naive exp, a target whose probability underflows, rows without a target, and the column-major
 * logitsᵀ the LM head writes.
 */
class CrossEntropyTest {

    private static final int ROWS = 7;
    private static final int VOCAB = 23;

    /** Row r's loss and its gradient softmax − onehot, in float64, the slow and obvious way. */
    private static double reference(double[] z, int r, int target, double[] gradient) {
        double max = Double.NEGATIVE_INFINITY;
        for (int v = 0; v < VOCAB; v++) {
            max = Math.max(max, z[r * VOCAB + v]);
        }
        double sum = 0;
        for (int v = 0; v < VOCAB; v++) {
            sum += Math.exp(z[r * VOCAB + v] - max);
        }
        for (int v = 0; v < VOCAB; v++) {
            gradient[r * VOCAB + v] = Math.exp(z[r * VOCAB + v] - max) / sum - (v == target ? 1 : 0);
        }
        return max + Math.log(sum) - z[r * VOCAB + target];
    }

    private static double[] logits() {
        Random random = new Random(7);
        double[] z = new double[ROWS * VOCAB];
        for (int i = 0; i < z.length; i++) {
            z[i] = random.nextGaussian() * 3;
        }
        for (int v = 0; v < VOCAB; v++) {
            z[2 * VOCAB + v] += 1000;        // exp would overflow without the max shift
            z[4 * VOCAB + v] -= 1000;        // ... and underflow to 0/0
        }
        z[5 * VOCAB + 3] = 60;               // one dominant logit: its softmax ≈ 1
        z[6 * VOCAB + 11] = -150;            // a target whose softmax underflows: its loss comes from the logits
        return z;
    }

    @ParameterizedTest
    @EnumSource(value = DataType.class, names = {"FLOAT", "DOUBLE"})
    void matchesTheFloat64LoopInEitherLayout(DataType type) {
        INDArray rowMajor = Arrays2.matrix(logits(), ROWS, VOCAB, type);
        double[] z = Arrays2.toDoubles(rowMajor);          // the logits as the type holds them
        int[] targets = {3, 0, 22, CrossEntropy.IGNORED, 5, 3, 11};
        double[] expected = new double[z.length];
        double expectedLoss = 0;
        for (int r = 0; r < ROWS; r++) {
            if (targets[r] != CrossEntropy.IGNORED) {
                expectedLoss += reference(z, r, targets[r], expected);
            }
        }
        double tolerance = type == DataType.DOUBLE ? 1e-12 : 2e-5;
        INDArray transposed = Nd4j.createUninitialized(type, new long[]{VOCAB, ROWS}, 'f');
        transposed.assign(rowMajor.transpose());
        for (INDArray logits : new INDArray[]{rowMajor, transposed.transpose()}) {
            CrossEntropy ce = new CrossEntropy();
            assertEquals(expectedLoss, ce.lossAndGradient(logits, targets), tolerance * Math.abs(expectedLoss));
            double[] gradient = Arrays2.toDoubles(ce.gradient());
            assertArrayEquals(expected, gradient, tolerance);
            for (int v = 0; v < VOCAB; v++) {
                assertEquals(0.0, gradient[3 * VOCAB + v], 0.0, "a row without a target has no gradient");
            }
        }
    }

    @Test
    void reusesItsBufferAndOverwritesEveryRow() {
        double[] z = logits();
        CrossEntropy ce = new CrossEntropy();
        int[] all = {1, 2, 3, 4, 5, 6, 7};
        ce.lossAndGradient(Arrays2.matrix(z, ROWS, VOCAB, DataType.FLOAT), all);
        INDArray first = ce.gradient();
        int[] some = {1, CrossEntropy.IGNORED, 3, CrossEntropy.IGNORED, 5, 6, 7};
        ce.lossAndGradient(Arrays2.matrix(z, ROWS, VOCAB, DataType.FLOAT), some);
        assertTrue(first == ce.gradient(), "same shape and type: the same buffer");
        assertEquals(0.0, ce.gradient().getRow(1).sumNumber().doubleValue(), 0.0);
        assertEquals(0.0, ce.gradient().getRow(3).sumNumber().doubleValue(), 0.0);
    }

    @Test
    void rejectsATargetOutsideTheVocabulary() {
        CrossEntropy ce = new CrossEntropy();
        INDArray logits = Arrays2.matrix(logits(), ROWS, VOCAB, DataType.FLOAT);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ce.lossAndGradient(logits, new int[]{0, 1, 2, VOCAB, 0, 0, 0}));
        assertTrue(e.getMessage().contains("target 23 of row 3"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> ce.lossAndGradient(logits, new int[]{0, 1}));
    }
}
