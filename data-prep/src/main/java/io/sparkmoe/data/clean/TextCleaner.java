package io.sparkmoe.data.clean;

import java.text.Normalizer;

/**
 * Normalises a document and decides whether it is kept: Unicode NFC (so that the same text always has the
 * same bytes, hence the same hash and tokens), control characters removed except tab and newline (a
 * carriage return goes too, so CRLF becomes LF), then the length bounds in code points.
 */
public final class TextCleaner {

    /** Why a document was dropped, or {@link #KEPT}. */
    public enum Verdict { KEPT, TOO_SHORT, TOO_LONG }

    private final int minChars;
    private final int maxChars;

    public TextCleaner(int minChars, int maxChars) {
        this.minChars = minChars;
        this.maxChars = maxChars;
    }

    /** NFC, then every control character (Unicode Cc) but tab and newline removed. */
    public static String normalize(String text) {
        String nfc = Normalizer.normalize(text, Normalizer.Form.NFC);
        StringBuilder sb = null;
        for (int i = 0; i < nfc.length(); i++) {
            char c = nfc.charAt(i);
            boolean control = Character.getType(c) == Character.CONTROL && c != '\t' && c != '\n';
            if (control && sb == null) {
                sb = new StringBuilder(nfc.length()).append(nfc, 0, i);
            } else if (!control && sb != null) {
                sb.append(c);
            }
        }
        return sb == null ? nfc : sb.toString();
    }

    /** Whether a normalised text is within the length bounds. */
    public Verdict judge(String normalized) {
        int length = normalized.codePointCount(0, normalized.length());
        if (length < minChars) {
            return Verdict.TOO_SHORT;
        }
        return length > maxChars ? Verdict.TOO_LONG : Verdict.KEPT;
    }
}
