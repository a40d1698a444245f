package io.sparkmoe.conf;

import java.util.HashSet;
import java.util.List;

import static io.sparkmoe.conf.Key.atLeast;

/**
 * Section {@code data.tokenizer}: byte-level BPE training.
 *
 * @param vocabSize     target vocabulary: 256 byte tokens + merges + special tokens
 * @param minFrequency  a pair seen fewer times than this is never merged
 * @param specialTokens special tokens appended after the merges; the first is end-of-text, the second padding
 */
public record TokenizerConfig(int vocabSize, int minFrequency, List<String> specialTokens) {

    static final Key<Integer> VOCAB_SIZE = Key.required("data.tokenizer.vocab-size", ValueType.integer(), 4096,
            "Vocabulary size: 256 bytes + learned merges + special tokens").must(atLeast(258), ">= 258");
    static final Key<Integer> MIN_FREQUENCY = Key.required("data.tokenizer.min-frequency", ValueType.integer(), 2,
            "Pairs seen fewer times are not merged").must(atLeast(1), ">= 1");
    static final Key<List<String>> SPECIAL_TOKENS = Key.required("data.tokenizer.special-tokens",
                    ValueType.stringList(), List.of("<|endoftext|>", "<|pad|>"),
                    "Special tokens after the merges: end-of-text first, padding second")
            .must(l -> l.size() >= 2, "at least 2 tokens (end-of-text, padding)")
            .must(l -> new HashSet<>(l).size() == l.size(), "distinct")
            .must(l -> l.stream().noneMatch(String::isEmpty), "non-empty strings");

    static TokenizerConfig read(ConfigReader r) {
        TokenizerConfig c = new TokenizerConfig(r.get(VOCAB_SIZE), r.get(MIN_FREQUENCY), r.get(SPECIAL_TOKENS));
        r.check(c.vocabSize > 256 + c.specialTokens.size(), "vocab-size (" + c.vocabSize
                + ") leaves no room for merges after 256 bytes and " + c.specialTokens.size() + " special tokens",
                VOCAB_SIZE, SPECIAL_TOKENS);
        return c;
    }

    public String endOfText() {
        return specialTokens.get(0);
    }

    public String padding() {
        return specialTokens.get(1);
    }
}
