package io.sparkmoe.data.bpe;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;

class PreTokenizerTest {

    /** GPT-2's pattern in Java's engine: the slow, obviously-right reference (fine on short strings). */
    static final Pattern GPT2 = Pattern.compile(
            "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+",
            Pattern.UNICODE_CHARACTER_CLASS);

    static List<String> reference(String text) {
        List<String> out = new ArrayList<>();
        Matcher m = GPT2.matcher(text);
        while (m.find()) {
            out.add(m.group());
        }
        return out;
    }

    @Test
    void splitsLikeGpt2OnHandPickedCases() {
        assertEquals(List.of("Hello", ",", " world", "!"), PreTokenizer.split("Hello, world!"));
        assertEquals(List.of("I", "'ll", " don", "'t", " know"), PreTokenizer.split("I'll don't know"));
        assertEquals(List.of("a", "  ", " b", "   "), PreTokenizer.split("a   b   "));
        assertEquals(List.of("x", "\n\n", "\n", "y"), PreTokenizer.split("x\n\n\ny"));
        assertEquals(List.of(" 123", " \u20ac'", "S"), PreTokenizer.split(" 123 \u20ac'S"));
        assertEquals(List.of(), PreTokenizer.split(""));
    }

    @Test
    void agreesWithTheRegexOnRandomText() {
        String alphabet = "ab Z'\t\n\r  \u00a0\u2028éß1٣½,.-'sdtlmrev😀\u0301\u3000";
        Random random = new Random(7);
        for (int n = 0; n < 20_000; n++) {
            StringBuilder sb = new StringBuilder();
            int len = random.nextInt(12);
            for (int i = 0; i < len; i++) {
                sb.appendCodePoint(alphabet.codePointAt(alphabet.offsetByCodePoints(0,
                        random.nextInt(alphabet.codePointCount(0, alphabet.length())))));
            }
            String s = sb.toString();
            assertEquals(reference(s), PreTokenizer.split(s), () -> "text: " + s.replace("\n", "\\n"));
        }
    }

    @Test
    void longRunsAreLinear() {
        String spaces = " ".repeat(2_000_000) + "x" + "y".repeat(2_000_000);
        List<String> parts = PreTokenizer.split(spaces);
        assertEquals(List.of(" ".repeat(1_999_999), " x" + "y".repeat(2_000_000)), parts);
    }
}
