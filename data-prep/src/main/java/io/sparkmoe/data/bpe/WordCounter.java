package io.sparkmoe.data.bpe;

import java.util.Map;

/**
 * Counts pre-tokens: the input of {@link BpeTrainer}. The Spark job runs it per document and sums the
 * tables; the single-JVM path runs it over everything.
 */
public final class WordCounter {

    private WordCounter() {
    }

    /** Adds the pre-tokens of {@code text} to {@code counts}. */
    public static void count(String text, Map<String, Long> counts) {
        PreTokenizer.scan(text, (t, s, e) -> counts.merge(t.substring(s, e), 1L, Long::sum));
    }
}
