package io.sparkmoe.model;

import java.util.concurrent.atomic.AtomicIntegerArray;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class ParallelLoopsTest {

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
