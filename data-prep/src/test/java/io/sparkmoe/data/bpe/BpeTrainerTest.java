package io.sparkmoe.data.bpe;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class BpeTrainerTest {

    static final List<String> SPECIAL = List.of("<|endoftext|>", "<|pad|>");

    @Test
    void learnsTheHandComputedMerges() {
        // pairs: ab 5+2=7, bc 5, ca 0 ... "abc"x5, "ab"x2, "bcbc"x1:
        // counts: (a,b) 7, (b,c) 5+2 = 7, (c,b) 1. Tie 7/7 -> smallest pair (a,b) = (97,98) first.
        // after ab=256: words 256 c x5, 256 x2, b c b c x1 -> (256,c) 5, (b,c) 2, (c,b) 1 -> merge (256, c)=257.
        // then (b,c) 2 -> 258; then "258 258" 1 is below min frequency 2: stop.
        Tokenizer t = new BpeTrainer(300, 2, SPECIAL).train(Map.of("abc", 5L, "ab", 2L, "bcbc", 1L));
        assertEquals(3, t.mergeCount());
        assertArrayEquals(new int[]{'a', 'b'}, t.merge(0));
        assertArrayEquals(new int[]{256, 'c'}, t.merge(1));
        assertArrayEquals(new int[]{'b', 'c'}, t.merge(2));
        assertEquals(256 + 3 + 2, t.vocabSize());
        assertEquals(259, t.endOfTextId());
        assertEquals(260, t.paddingId());
        assertArrayEquals(new int[]{257, 258, 256}, t.encoder().encode("abcbcab"));
    }

    @Test
    void overlappingPairsMergeLeftToRight() {
        Tokenizer t = new BpeTrainer(258 + 1, 1, SPECIAL).train(Map.of("aaa", 1L));
        assertArrayEquals(new int[]{'a', 'a'}, t.merge(0));
        assertArrayEquals(new int[]{256, 'a'}, t.encoder().encode("aaa"));
    }

    @Test
    void stopsAtTheVocabularySize() {
        Tokenizer t = new BpeTrainer(256 + 2 + 1, 1, SPECIAL).train(Map.of("abcd", 3L));
        assertEquals(1, t.mergeCount());
        assertEquals(259, t.vocabSize());
    }

    @Test
    void refusesAVocabularyWithoutRoomForMerges() {
        assertThrows(IllegalArgumentException.class, () -> new BpeTrainer(258, 1, SPECIAL));
    }

    @Test
    void multiByteCharactersAreMergedFromTheirBytes() {
        Tokenizer t = new BpeTrainer(270, 2, SPECIAL).train(Map.of("é", 10L));
        assertArrayEquals(new int[]{0xC3, 0xA9}, t.merge(0));
        assertArrayEquals(new int[]{256}, t.encoder().encode("é"));
        assertEquals("éé", t.encoder().decode(t.encoder().encode("éé")));
    }
}
