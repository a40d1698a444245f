package io.sparkmoe.train;

import java.util.Map;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class NativeThreadsTest {

    @Test
    void passivePolicyNeedsNoAdvice() {
        assertTrue(NativeThreads.advice(Map.of("OMP_WAIT_POLICY", "PASSIVE")).isEmpty());
        assertTrue(NativeThreads.advice(Map.of("OMP_WAIT_POLICY", "passive")).isEmpty());
    }

    @Test
    void missingOrActivePolicyIsNamedInTheAdvice() {
        assertEquals("unset", NativeThreads.waitPolicy(Map.of()));
        assertTrue(NativeThreads.advice(Map.of()).orElseThrow().contains("OMP_WAIT_POLICY is unset"));
        assertTrue(NativeThreads.advice(Map.of("OMP_WAIT_POLICY", "ACTIVE")).orElseThrow().contains("is ACTIVE"));
    }

    @Test
    void theTestJvmsRunPassive() {
        // the Maven test plugins set the variable (pom.xml), as the launcher does for every command
        assertEquals(NativeThreads.WAIT_POLICY, NativeThreads.waitPolicy());
    }
}
