package io.sparkmoe.data.bpe;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class EncoderTest {

    @Test
    void everyDocumentOfTheDefaultCorpusRoundTrips() {
        Encoder e = CorpusTokenizer.TOKENIZER.encoder();
        long bytes = 0;
        long tokens = 0;
        for (String text : CorpusTokenizer.TEXTS) {
            int[] ids = e.encode(text);
            assertEquals(text, e.decode(ids));
            bytes += text.getBytes(StandardCharsets.UTF_8).length;
            tokens += ids.length;
        }
        assertTrue(CorpusTokenizer.TEXTS.size() > 17_000, "the whole sample: " + CorpusTokenizer.TEXTS.size());
        assertTrue(bytes / (double) tokens > 2.0, "merges compress the text: " + bytes / (double) tokens + " bytes/token");
    }

    @Test
    void arbitraryUnicodeRoundTrips() {
        Random random = new Random(11);
        Encoder e = CorpusTokenizer.TOKENIZER.encoder();
        for (int n = 0; n < 5_000; n++) {
            StringBuilder sb = new StringBuilder();
            int len = random.nextInt(40);
            for (int i = 0; i < len; i++) {
                int cp;
                do {
                    cp = random.nextInt(4) == 0 ? random.nextInt(0x110000) : random.nextInt(0x300);
                } while (cp >= 0xD800 && cp <= 0xDFFF);
                sb.appendCodePoint(cp);
            }
            String s = sb.toString();
            assertEquals(s, e.decode(e.encode(s)));
        }
    }

    @Test
    void cachedAndFreshEncodersAgree() {
        Encoder warm = CorpusTokenizer.TOKENIZER.encoder();
        String text = CorpusTokenizer.TEXTS.get(3);
        warm.encode(CorpusTokenizer.TEXTS.get(2));
        assertArrayEquals(CorpusTokenizer.TOKENIZER.encoder().encode(text), warm.encode(text));
    }

    @Test
    void trainingIsDeterministic() {
        byte[] first = TokenizerJson.write(CorpusTokenizer.TOKENIZER);
        byte[] again = TokenizerJson.write(CorpusTokenizer.train(1024));
        assertArrayEquals(first, again);
        assertEquals(1024, CorpusTokenizer.TOKENIZER.vocabSize());
    }

    @Test
    void aLongLineEncodesAndRoundTrips() {
        String line = "ab ".repeat(300_000) + " ".repeat(500_000) + "x".repeat(100_000);
        Encoder e = CorpusTokenizer.TOKENIZER.encoder();
        assertEquals(line, e.decode(e.encode(line)));
    }
}
