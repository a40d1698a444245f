package io.sparkmoe.model;

import io.sparkmoe.engine.GpuSelection;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The GPU smoke test: on ND4J's CUDA backend (a build with {@code -Pcuda} on a machine with a GPU that build supports,
 * see {@code deploy/gpu/README.md}), the five reference models give the PyTorch CPU reference's logits, aux losses and
 * losses, and two full training steps (backward, clipped AdamW, the sigmoid router's bias update) give its losses,
 * gradient norms and updated tensors — the same float64 comparison, at the same tolerance, that the CPU backend passes
 * in {@link TorchReferenceLogitsTest}. So a GPU run is compared with a CPU result without needing both backends in one
 * JVM. On the CPU backend it is skipped, saying so.
 */
class GpuSmokeTest {

    @Test
    void trainingStepsOnTheGpuMatchTheCpuReference() throws Exception {
        Assumptions.assumeTrue(GpuSelection.isCudaBackend(), "skipped: ND4J runs its CPU backend ("
                + Nd4j.getBackend().getClass().getSimpleName() + "); build with -Pcuda on a machine with a GPU the "
                + "CUDA 11.6 build supports (deploy/gpu/README.md) to run the GPU smoke test");
        GpuSelection.forThisThread(java.util.List.of("0"));
        TorchReferenceLogitsTest.checkEveryFixtureCase();
    }
}
