package io.sparkmoe.exchange;

import java.util.Objects;

/**
 * What one rank sends to one other rank in an all-to-all: rows of floats (token rows, expert outputs,
 * gradients) and a few ints of metadata (token ids, expert ids, slots). The arrays are handed over, not copied:
 * a sender must not modify them after the call, and a receiver owns what it gets.
 */
public final class Payload {

    /** Nothing to send. */
    public static final Payload EMPTY = new Payload(new float[0], new int[0]);

    private final float[] floats;
    private final int[] ints;

    private Payload(float[] floats, int[] ints) {
        this.floats = Objects.requireNonNull(floats, "floats");
        this.ints = Objects.requireNonNull(ints, "ints");
    }

    /** A payload of {@code floats} and {@code ints} (either may be empty). */
    public static Payload of(float[] floats, int[] ints) {
        return floats.length == 0 && ints.length == 0 ? EMPTY : new Payload(floats, ints);
    }

    /** A payload of floats only. */
    public static Payload ofFloats(float[] floats) {
        return of(floats, new int[0]);
    }

    /** A payload of ints only. */
    public static Payload ofInts(int[] ints) {
        return of(new float[0], ints);
    }

    /** The float part (not a copy). */
    public float[] floats() {
        return floats;
    }

    /** The int part (not a copy). */
    public int[] ints() {
        return ints;
    }

    /** Bytes of content, the unit of traffic counting: 4 per float and per int, framing excluded. */
    public long bytes() {
        return 4L * floats.length + 4L * ints.length;
    }

    @Override
    public String toString() {
        return "Payload[" + floats.length + " floats, " + ints.length + " ints]";
    }
}
