package io.sparkmoe.engine;

import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class GpuSelectionTest {

    @Test
    void physicalAddressIsTheOrdinalWhenAllDevicesAreVisible() {
        GpuSelection s = GpuSelection.choose(List.of("3"), null, true, 4);
        assertEquals(Optional.of("3"), s.address());
        assertEquals(3, s.ordinal());
    }

    @Test
    void visibleDevicesRenumberFromZero() {
        assertEquals(1, GpuSelection.choose(List.of("5"), "4,5", true, 2).ordinal());
        assertEquals(0, GpuSelection.choose(List.of("4"), " 4, 5", true, 2).ordinal());
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> GpuSelection.choose(List.of("2"), "4,5", true, 2));
        assertTrue(e.getMessage().contains("CUDA_VISIBLE_DEVICES=4,5"), e.getMessage());
    }

    @Test
    void anAddressBeyondTheVisibleDevicesIsAnError() {
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> GpuSelection.choose(List.of("2"), null, true, 2));
        assertTrue(e.getMessage().contains("sees 2 device(s)"), e.getMessage());
        assertThrows(IllegalStateException.class, () -> GpuSelection.choose(List.of("gpu-a"), null, true, 2));
    }

    @Test
    void onTheCpuBackendTheAddressIsReportedButNotUsed() {
        GpuSelection s = GpuSelection.choose(List.of("0", "1"), null, false, 0);
        assertEquals(Optional.of("0"), s.address());
        assertEquals(-1, s.ordinal());
        assertTrue(s.note().contains("CPU backend") && s.note().contains("1 more"), s.note());
        GpuSelection none = GpuSelection.choose(List.of(), null, false, 0);
        assertFalse(none.address().isPresent());
        none.apply();
    }

    @Test
    void thisJvmRunsTheCpuBackendAndBindsNothing() {
        GpuSelection s = GpuSelection.forThisThread(List.of("0"));
        assertFalse(GpuSelection.isCudaBackend());
        assertEquals(-1, s.ordinal());
    }
}
