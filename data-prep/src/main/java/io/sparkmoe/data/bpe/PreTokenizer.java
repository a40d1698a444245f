package io.sparkmoe.data.bpe;

import java.util.ArrayList;
import java.util.List;

/**
 * GPT-2's pre-tokenizer, written as a scanner instead of a regular expression so that a long line (or a
 * megabyte of spaces) costs linear time: Java's regex engine backtracks on {@code \s+(?!\S)}. It matches
 * exactly what the pattern
 * {@code 's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+} matches, tried in that
 * order at each position:
 * <ul>
 *   <li>a contraction (case-sensitive) right at an apostrophe;</li>
 *   <li>an optional ASCII space followed by a run of letters, of numbers, or of other non-space characters;</li>
 *   <li>a run of whitespace: all of it at the end of the text, otherwise all but its last character (which
 *       then starts the next word, e.g. {@code " world"}), or the single character when the run is one long.</li>
 * </ul>
 * Character classes follow Unicode: letters are categories L*, numbers N*, whitespace is Unicode
 * White_Space (U+0009–U+000D, U+0085 and the Z* separators), as in the Hugging Face implementation.
 */
public final class PreTokenizer {

    private static final String[] CONTRACTIONS = {"s", "t", "re", "ve", "m", "ll", "d"};

    private PreTokenizer() {
    }

    /** Receives each pre-token as a range of the text. */
    @FunctionalInterface
    public interface Sink {
        void accept(String text, int start, int end);
    }

    /** The pre-tokens of {@code text}, in order; their concatenation is {@code text}. */
    public static List<String> split(String text) {
        List<String> out = new ArrayList<>();
        scan(text, (t, s, e) -> out.add(t.substring(s, e)));
        return out;
    }

    /** Calls {@code sink} for each pre-token of {@code text}, without allocating substrings. */
    public static void scan(String text, Sink sink) {
        int n = text.length();
        int i = 0;
        while (i < n) {
            int end = next(text, i, n);
            sink.accept(text, i, end);
            i = end;
        }
    }

    private static int next(String s, int i, int n) {
        int c = s.codePointAt(i);
        if (c == '\'') {
            for (String k : CONTRACTIONS) {
                if (s.startsWith(k, i + 1)) {
                    return i + 1 + k.length();
                }
            }
        }
        int start = i;
        if (c == ' ' && i + 1 < n) {
            int d = s.codePointAt(i + 1);
            if (!isSpace(d)) {
                start = i + 1;
                c = d;
            }
        }
        int kind = kind(c);
        if (kind != SPACE) {
            int j = start + Character.charCount(c);
            while (j < n) {
                int d = s.codePointAt(j);
                if (kind(d) != kind) {
                    break;
                }
                j += Character.charCount(d);
            }
            return j;
        }
        int j = i;
        int last = i;
        while (j < n) {
            int d = s.codePointAt(j);
            if (!isSpace(d)) {
                break;
            }
            last = j;
            j += Character.charCount(d);
        }
        if (j == n || last == i) {
            return j;
        }
        return last;
    }

    private static final int LETTER = 0;
    private static final int NUMBER = 1;
    private static final int OTHER = 2;
    private static final int SPACE = 3;

    private static int kind(int c) {
        if (isSpace(c)) {
            return SPACE;
        }
        if (Character.isLetter(c)) {
            return LETTER;
        }
        switch (Character.getType(c)) {
            case Character.DECIMAL_DIGIT_NUMBER:
            case Character.LETTER_NUMBER:
            case Character.OTHER_NUMBER:
                return NUMBER;
            default:
                return OTHER;
        }
    }

    /** Unicode White_Space, which is what {@code \s} means in the Unicode-aware engines GPT-2 and HF use. */
    static boolean isSpace(int c) {
        if (c <= 0x20) {
            return c == ' ' || (c >= 0x09 && c <= 0x0D);
        }
        if (c == 0x85) {
            return true;
        }
        int t = Character.getType(c);
        return t == Character.SPACE_SEPARATOR || t == Character.LINE_SEPARATOR || t == Character.PARAGRAPH_SEPARATOR;
    }
}
