package io.sparkmoe.model;

import java.util.Optional;
import java.util.concurrent.atomic.AtomicIntegerArray;

import io.sparkmoe.conf.OptimizerConfig;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * The loops run every task once and fail as their task failed; the cross-entropy and AdamW, which run on the pool,
 * give the same bits as on one thread (their tasks and the order of their partial sums do not depend on the threads).
 */
class ParallelLoopsTest {

    @Test
    void crossEntropyGivesTheSameBitsOnThePoolAsOnOneThread() {
        int rows = 300;
        int vocab = 512;          // 150 K logits: several blocks of rows
        Nd4j.getRandom().setSeed(3);
        INDArray logits = Nd4j.randn(DataType.FLOAT, rows, vocab).muli(4);
        int[] targets = new int[rows];
        for (int r = 0; r < rows; r++) {
            targets[r] = r % 17 == 0 ? CrossEntropy.IGNORED : (r * 31) % vocab;
        }
        CrossEntropy pooled = new CrossEntropy();
        double pooledLoss = pooled.lossAndGradient(logits, targets);
        CrossEntropy alone = new CrossEntropy();
        double[] aloneLoss = new double[1];
        ParallelLoops.inline(() -> aloneLoss[0] = alone.lossAndGradient(logits, targets));
        assertEquals(Double.doubleToLongBits(aloneLoss[0]), Double.doubleToLongBits(pooledLoss));
        assertEquals(alone.gradient(), pooled.gradient());
    }

    @Test
    void adamWGivesTheSameBitsOnThePoolAsOnOneThread() {
        Parameters pooled = parameters();
        Parameters alone = parameters();
        OptimizerConfig config = new OptimizerConfig(1e-3, 1e-4, 2, 0.1, Optional.of(1.0), 0.9, 0.95, 1e-8);
        AdamW pooledAdam = new AdamW(pooled, config, 10);
        AdamW aloneAdam = new AdamW(alone, config, 10);
        for (int step = 0; step < 3; step++) {
            gradients(pooled, step);
            gradients(alone, step);
            pooledAdam.step();
            ParallelLoops.inline(aloneAdam::step);
        }
        for (String name : pooled.names()) {
            assertEquals(alone.value(name), pooled.value(name), name);
            assertEquals(aloneAdam.state().get(name + AdamW.EXP_AVG_SQ), pooledAdam.state().get(name + AdamW.EXP_AVG_SQ));
        }
    }

    private static Parameters parameters() {
        Parameters p = new Parameters(DataType.FLOAT);
        Nd4j.getRandom().setSeed(5);
        for (int i = 0; i < 12; i++) {
            p.add("layers." + i + ".weight", Nd4j.randn(DataType.FLOAT, 40 + i, 64));
        }
        return p;
    }

    private static void gradients(Parameters p, int step) {
        p.zeroGradients();
        Nd4j.getRandom().setSeed(100 + step);
        for (String name : p.names()) {
            p.gradient(name).addi(Nd4j.randn(DataType.FLOAT, p.gradient(name).shape()));
        }
    }

    @Test
    void everyTaskRunsExactlyOnce() {
        for (int tasks : new int[]{0, 1, 2, 7, 1000}) {
            AtomicIntegerArray runs = new AtomicIntegerArray(Math.max(tasks, 1));
            ParallelLoops.forEach(tasks, runs::incrementAndGet);
            for (int i = 0; i < tasks; i++) {
                assertEquals(1, runs.get(i), "task " + i + " of " + tasks);
            }
        }
    }

    @Test
    void aFailingTaskFailsTheLoop() {
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> ParallelLoops.forEach(50, i -> {
            if (i == 33) {
                throw new IllegalStateException("task 33 failed");
            }
        }));
        assertEquals("task 33 failed", e.getMessage());
    }
}
