package io.sparkmoe.data.shards;

import io.sparkmoe.data.DataException;

import java.util.List;
import java.util.SplittableRandom;

/**
 * Random training windows of {@code T + 1} consecutive tokens (inputs and their next-token targets) from
 * loaded shards. A window never spans two shards; each start position of every shard is equally likely.
 * The sequence depends only on the shards, the seed and the rank, so a restarted rank reads the same data.
 */
public final class WindowReader {

    private final List<int[]> shards;
    private final int window;
    private final long[] cumulative;
    private final SplittableRandom random;

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
        this.random = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + rank);
    }

    /** The next window: {@code T + 1} ids. */
    public int[] next() {
        long pick = random.nextLong(cumulative[cumulative.length - 1]);
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
