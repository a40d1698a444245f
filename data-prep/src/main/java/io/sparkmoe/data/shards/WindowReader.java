package io.sparkmoe.data.shards;

import io.sparkmoe.data.DataException;

import java.util.List;
import java.util.SplittableRandom;

/**
 * Random training windows of {@code T + 1} consecutive tokens (inputs and their next-token targets) from
 * loaded shards. A window never spans two shards; each start position of every shard is equally likely.
 *
 * <p>Window {@code i} of a rank is a pure function of {@code (seed, rank, i)}: it is drawn from a
 * {@link SplittableRandom} seeded with the rank's stream seed advanced by {@code i} steps of the SplitMix64
 * gamma, which is what the same generator's {@code i}-th draw would use. So the sequence depends only on the shards,
 * the seed and the rank, and the whole reading state is one count, the {@link #position()}: a checkpoint saves it and
 * {@link #seek(long)} restores it, without any generator state to serialise.
 */
public final class WindowReader {

    /** SplitMix64's gamma (the golden ratio in 64 bits), the stride between successive seeds. */
    private static final long GAMMA = 0x9E3779B97F4A7C15L;

    private final List<int[]> shards;
    private final int window;
    private final long[] cumulative;
    private final long streamSeed;
    private long position;

    public WindowReader(List<int[]> shards, int contextLength, long seed, int rank) {
        this.shards = List.copyOf(shards);
        this.window = contextLength + 1;
        this.cumulative = new long[shards.size()];
        long total = 0;
        for (int i = 0; i < shards.size(); i++) {
            total += Math.max(0, shards.get(i).length - window + 1);
            cumulative[i] = total;
        }
        if (total == 0) {
            throw new DataException("no shard holds a window of " + window + " tokens (context length "
                    + contextLength + "); prepare more data or shorten the context");
        }
        this.streamSeed = new SplittableRandom(seed * GAMMA + rank).nextLong();
    }

    /** How many windows have been read: the index of the next one. */
    public long position() {
        return position;
    }

    /** Continues at window {@code position} (a value from {@link #position()}), as if that many had been read. */
    public void seek(long position) {
        if (position < 0) {
            throw new IllegalArgumentException("window position " + position + " is negative");
        }
        this.position = position;
    }

    /** The next window: {@code T + 1} ids. */
    public int[] next() {
        long pick = new SplittableRandom(streamSeed + position * GAMMA).nextLong(cumulative[cumulative.length - 1]);
        position++;
        int shard = 0;
        while (cumulative[shard] <= pick) {
            shard++;
        }
        long start = pick - (shard == 0 ? 0 : cumulative[shard - 1]);
        int[] out = new int[window];
        System.arraycopy(shards.get(shard), (int) start, out, 0, window);
        return out;
    }
}
