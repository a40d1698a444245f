package io.sparkmoe.engine;

import java.util.Arrays;
import java.util.List;
import java.util.Optional;

import org.nd4j.linalg.factory.Nd4j;

/**
 * Which GPU a rank uses, from the addresses Spark's scheduler gave its task ({@code spark.task.resource.gpu.amount}).
 *
 * <p>Spark hands out GPU <em>addresses</em> as the discovery script reported them (physical indexes, see
 * {@code deploy/gpu/discover-gpus.sh}); CUDA numbers the devices a process can see from 0, and when
 * {@code CUDA_VISIBLE_DEVICES} restricts them, physical GPU {@code a} is the ordinal of {@code a} in that list. Two
 * ranks on one executor thus get different devices, and none falls back to device 0 by accident (the classic way two
 * tasks end up sharing one GPU). The choice is pure logic so that it is tested without a GPU; {@link #apply} binds the
 * calling thread to the device when ND4J runs its CUDA backend.
 *
 * @param address the assigned GPU address, empty when Spark assigned none
 * @param ordinal the CUDA device ordinal in this process, or -1
 * @param note    what was decided, for the rank's log and {@code check}'s report
 */
public record GpuSelection(Optional<String> address, int ordinal, String note) {

    /** ND4J's CUDA backend class names contain this. */
    private static final String CUDA = "cuda";

    /**
     * Chooses the device for the given task addresses.
     *
     * @param addresses          the task's GPU addresses (empty: none requested or none available)
     * @param cudaVisibleDevices the process's {@code CUDA_VISIBLE_DEVICES}, or null
     * @param cudaBackend        whether ND4J runs its CUDA backend
     * @param deviceCount        devices the backend sees (ignored on CPU)
     */
    public static GpuSelection choose(List<String> addresses, String cudaVisibleDevices, boolean cudaBackend,
                                      int deviceCount) {
        if (addresses.isEmpty()) {
            return new GpuSelection(Optional.empty(), -1, cudaBackend
                    ? "no GPU assigned by Spark (set spark.task.resource.gpu.amount); ND4J stays on its default device"
                    : "no GPU assigned; CPU backend");
        }
        String address = addresses.get(0);
        String extra = addresses.size() > 1
                ? "; " + (addresses.size() - 1) + " more assigned GPU(s) unused: a rank computes on one device" : "";
        if (!cudaBackend) {
            return new GpuSelection(Optional.of(address), -1, "GPU " + address
                    + " assigned, but ND4J runs its CPU backend (build with -Pcuda to use it)" + extra);
        }
        int ordinal = ordinal(address, cudaVisibleDevices);
        if (ordinal >= deviceCount) {
            throw new IllegalStateException("GPU address " + address + " maps to CUDA device " + ordinal
                    + ", but this process sees " + deviceCount + " device(s)"
                    + (cudaVisibleDevices == null ? "" : " (CUDA_VISIBLE_DEVICES=" + cudaVisibleDevices + ")")
                    + "; the GPU discovery script and the executor's visible devices disagree");
        }
        return new GpuSelection(Optional.of(address), ordinal, "GPU " + address + " = CUDA device " + ordinal + extra);
    }

    /** The CUDA ordinal of a physical GPU address, given the process's visible devices. */
    static int ordinal(String address, String cudaVisibleDevices) {
        if (cudaVisibleDevices != null && !cudaVisibleDevices.isBlank()) {
            List<String> visible = Arrays.stream(cudaVisibleDevices.split(",")).map(String::trim).toList();
            int i = visible.indexOf(address);
            if (i < 0) {
                throw new IllegalStateException("GPU address " + address + " is not among CUDA_VISIBLE_DEVICES="
                        + cudaVisibleDevices + "; the GPU discovery script and the executor's visible devices disagree");
            }
            return i;
        }
        try {
            return Integer.parseInt(address.trim());
        } catch (NumberFormatException e) {
            throw new IllegalStateException("GPU address '" + address + "' is not a device index; the discovery "
                    + "script must print indexes (as deploy/gpu/discover-gpus.sh does)", e);
        }
    }

    /** Chooses for this process (its environment and ND4J backend) and binds the calling thread to the device. */
    public static GpuSelection forThisThread(List<String> addresses) {
        boolean cuda = isCudaBackend();
        int devices = cuda ? Nd4j.getAffinityManager().getNumberOfDevices() : 0;
        GpuSelection s = choose(addresses, System.getenv("CUDA_VISIBLE_DEVICES"), cuda, devices);
        s.apply();
        return s;
    }

    /** Whether ND4J loaded its CUDA backend. */
    public static boolean isCudaBackend() {
        return Nd4j.getBackend().getClass().getName().toLowerCase(java.util.Locale.ROOT).contains(CUDA);
    }

    /** Binds the calling thread to the chosen device (CUDA only; nothing to do on the CPU backend). */
    public void apply() {
        if (ordinal >= 0) {
            Nd4j.getAffinityManager().unsafeSetDevice(ordinal);
        }
    }
}
