package io.sparkmoe.costmodel;

/**
 * One class of link, as a latency-bandwidth (α-β) model: moving {@code b} bytes in one message round costs
 * {@code latency + b / bandwidth}.
 *
 * @param latencySeconds   α, per message round
 * @param bytesPerSecond   β⁻¹, for the whole link (a node's network interface is shared by its ranks)
 */
public record Link(double latencySeconds, double bytesPerSecond) {

    public Link {
        if (!(latencySeconds >= 0) || !(bytesPerSecond > 0)) {
            throw new IllegalArgumentException("a link needs latency >= 0 and bandwidth > 0, got " + latencySeconds
                    + " s and " + bytesPerSecond + " B/s");
        }
    }

    /** From the units network people use: megabits per second and milliseconds. */
    public static Link ofMbit(double mbitPerSecond, double latencyMs) {
        return new Link(latencyMs / 1e3, mbitPerSecond * 1e6 / 8);
    }

    public double seconds(double bytes) {
        return bytes / bytesPerSecond;
    }
}
