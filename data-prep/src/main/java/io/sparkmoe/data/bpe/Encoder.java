package io.sparkmoe.data.bpe;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * Text → ids and back. The text is split by {@link PreTokenizer}; each pre-token's UTF-8 bytes are merged
 * by lowest rank first (all non-overlapping occurrences of the best pair, left to right, as GPT-2 does),
 * and the result is cached by pre-token, since natural text repeats its words. Special tokens are never
 * produced from text: a document's end-of-text is added by the caller. Not thread-safe.
 */
public final class Encoder {

    /** Enough for the distinct words of a large shard; cleared when full rather than tracked per entry. */
    static final int CACHE_LIMIT = 200_000;

    private final Tokenizer tokenizer;
    private final Map<String, int[]> cache = new HashMap<>();
    private int[] buffer = new int[1024];
    private int size;

    Encoder(Tokenizer tokenizer) {
        this.tokenizer = tokenizer;
    }

    public Tokenizer tokenizer() {
        return tokenizer;
    }

    /** The ids of {@code text} (no special tokens). */
    public int[] encode(String text) {
        size = 0;
        PreTokenizer.scan(text, (t, s, e) -> append(word(t.substring(s, e))));
        return Arrays.copyOf(buffer, size);
    }

    /** The ids of one pre-token. */
    int[] word(String preToken) {
        int[] ids = cache.get(preToken);
        if (ids == null) {
            ids = merge(preToken.getBytes(StandardCharsets.UTF_8));
            if (cache.size() >= CACHE_LIMIT) {
                cache.clear();
            }
            cache.put(preToken, ids);
        }
        return ids;
    }

    private int[] merge(byte[] bytes) {
        int[] symbols = new int[bytes.length];
        for (int i = 0; i < bytes.length; i++) {
            symbols[i] = bytes[i] & 0xFF;
        }
        int length = symbols.length;
        while (length > 1) {
            int bestRank = Integer.MAX_VALUE;
            int bestAt = -1;
            for (int i = 0; i + 1 < length; i++) {
                int r = tokenizer.rank(symbols[i], symbols[i + 1]);
                if (r >= 0 && r < bestRank) {
                    bestRank = r;
                    bestAt = i;
                }
            }
            if (bestAt < 0) {
                break;
            }
            length = Tokenizer.mergeInPlace(symbols, length, symbols[bestAt], symbols[bestAt + 1], 256 + bestRank);
        }
        return Arrays.copyOf(symbols, length);
    }

    private void append(int[] ids) {
        if (size + ids.length > buffer.length) {
            buffer = Arrays.copyOf(buffer, Math.max(buffer.length * 2, size + ids.length));
        }
        System.arraycopy(ids, 0, buffer, size, ids.length);
        size += ids.length;
    }

    /** The text of {@code ids}; special tokens become their text. Exact inverse of {@link #encode}. */
    public String decode(int[] ids) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(ids.length * 4);
        int firstSpecial = 256 + tokenizer.mergeCount();
        for (int id : ids) {
            if (id >= firstSpecial && id < tokenizer.vocabSize()) {
                out.writeBytes(tokenizer.specialTokens().get(id - firstSpecial).getBytes(StandardCharsets.UTF_8));
            } else {
                out.writeBytes(tokenizer.bytesOf(id));
            }
        }
        return out.toString(StandardCharsets.UTF_8);
    }
}
