package io.sparkmoe.routing;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A router's named tensors, so the model can register them with the optimizer and the checkpoint.
 * Names are relative to the MoE block and follow the PyTorch reference ({@code gate.weight},
 * {@code gate.e_score_correction_bias}, {@code gate.hash_table}, {@code gate.proj.weight}, …).
 * <em>Learned</em> tensors receive gradients; <em>buffers</em> are saved but updated by rules
 * (the sigmoid router's selection bias) or fixed (the hash table).
 */
public final class RouterParameters {

    private final Map<String, INDArray> learned = new LinkedHashMap<>();
    private final Map<String, INDArray> buffers = new LinkedHashMap<>();

    public RouterParameters learned(String name, INDArray value) {
        learned.put(name, value);
        return this;
    }

    public RouterParameters buffer(String name, INDArray value) {
        buffers.put(name, value);
        return this;
    }

    /** Learned tensors by name, in registration order (live arrays: updating them changes the router). */
    public Map<String, INDArray> learned() {
        return Collections.unmodifiableMap(learned);
    }

    /** Saved but not learned tensors by name (live arrays). */
    public Map<String, INDArray> buffers() {
        return Collections.unmodifiableMap(buffers);
    }

    /** A learned tensor or buffer by name; an unknown name lists the known ones. */
    public INDArray get(String name) {
        INDArray a = learned.containsKey(name) ? learned.get(name) : buffers.get(name);
        if (a == null) {
            throw new IllegalArgumentException("no router tensor " + name + "; have " + learned.keySet() + " and " + buffers.keySet());
        }
        return a;
    }
}
