package io.sparkmoe.data.clean;

import io.sparkmoe.data.corpus.Document;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

class TextCleanerTest {

    @Test
    void normalisesToNfcAndDropsControlCharactersButTabAndNewline() {
        assertEquals("\u00e9", TextCleaner.normalize("e\u0301"));
        assertEquals("a\tb\nc d", TextCleaner.normalize("a\tb\r\nc\u0000 \u0007d"));
        String clean = "already clean";
        assertSame(clean, TextCleaner.normalize(clean));
    }

    @Test
    void lengthBoundsCountCodePoints() {
        TextCleaner c = new TextCleaner(2, 3);
        assertEquals(TextCleaner.Verdict.TOO_SHORT, c.judge("😀"));
        assertEquals(TextCleaner.Verdict.KEPT, c.judge("😀😀😀"));
        assertEquals(TextCleaner.Verdict.TOO_LONG, c.judge("abcd"));
    }

    @Test
    void duplicatesShareAHashAndTheFirstInInputOrderIsKept() {
        DocumentCleaner cleaner = new DocumentCleaner(1, 100, 0.5);
        CleanCounts counts = new CleanCounts();
        CleanDocument a = cleaner.clean(new Document("f1", 3, "e\u0301t\u00e9"), counts);
        CleanDocument b = cleaner.clean(new Document("f0", 9, "\u00e9t\u00e9"), counts);
        assertEquals(a.hash, b.hash);
        assertSame(b, CleanDocument.keep(a, b));
        assertNull(cleaner.clean(new Document("f", 0, ""), counts));
        assertEquals(2, counts.kept);
        assertEquals(1, counts.tooShort);
        assertNotEquals(a.hash, cleaner.clean(new Document("f", 1, "other"), counts).hash);
    }

    @Test
    void theSplitFollowsTheHashAndTheFraction() {
        int val = 0;
        for (int i = 0; i < 10_000; i++) {
            String h = ContentHash.of("doc " + i);
            assertEquals(ContentHash.split(h, 0.1), ContentHash.split(h, 0.1));
            val += ContentHash.split(h, 0.1).equals("val") ? 1 : 0;
            assertEquals("train", ContentHash.split(h, 0.0));
        }
        assertEquals(1000, val, 100);
    }
}
