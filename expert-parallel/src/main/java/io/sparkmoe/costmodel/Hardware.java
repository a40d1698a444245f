package io.sparkmoe.costmodel;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Named hardware figures for projections beyond the machines we can measure, with where each number comes from.
 * Vendors' peak figures; the sustained compute rate is peak × an MFU the user states (0.4 is what well-tuned MoE
 * training reaches on these GPUs; lower for small d).
 */
public final class Hardware {

    /** A GPU: its dense bf16 peak and the link between two GPUs of one node. */
    public record Gpu(String name, double peakFlops, Link intraNode, String source) {
    }

    /** A node's network interface (all its GPUs share it). */
    public record Network(String name, Link interNode, String source) {
    }

    public static final Map<String, Gpu> GPUS = new LinkedHashMap<>();
    public static final Map<String, Network> NETWORKS = new LinkedHashMap<>();

    static {
        GPUS.put("h100-sxm", new Gpu("h100-sxm", 989e12, new Link(3e-6, 450e9),
                "H100 SXM: 989 TFLOP/s dense bf16; NVLink 4, 450 GB/s per direction per GPU"));
        GPUS.put("a100-sxm", new Gpu("a100-sxm", 312e12, new Link(3e-6, 300e9),
                "A100 SXM: 312 TFLOP/s dense bf16; NVLink 3, 300 GB/s per direction per GPU"));
        NETWORKS.put("ib-ndr", new Network("ib-ndr", new Link(5e-6, 8 * 400e9 / 8),
                "8 x 400 Gbit/s InfiniBand NDR per node (one per GPU): 400 GB/s per node, 5 us"));
        NETWORKS.put("eth-100g", new Network("eth-100g", new Link(20e-6, 100e9 / 8),
                "one 100 Gbit/s Ethernet port per node: 12.5 GB/s, 20 us"));
        NETWORKS.put("eth-25g", new Network("eth-25g", new Link(30e-6, 25e9 / 8),
                "one 25 Gbit/s Ethernet port per node: 3.1 GB/s, 30 us"));
    }

    private Hardware() {
    }

    public static Gpu gpu(String name) {
        Gpu g = GPUS.get(name);
        if (g == null) {
            throw new IllegalArgumentException("unknown GPU '" + name + "'; known: " + GPUS.keySet());
        }
        return g;
    }

    public static Network network(String name) {
        Network n = NETWORKS.get(name);
        if (n == null) {
            throw new IllegalArgumentException("unknown network '" + name + "'; known: " + NETWORKS.keySet());
        }
        return n;
    }
}
