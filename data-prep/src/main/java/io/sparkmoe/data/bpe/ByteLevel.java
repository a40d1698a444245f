package io.sparkmoe.data.bpe;

/**
 * GPT-2's reversible map between bytes and printable characters ({@code bytes_to_unicode}): printable
 * Latin-1 bytes map to themselves, the others to U+0100 onwards in byte order. The Hugging Face
 * {@code ByteLevel} pre-tokenizer writes vocabulary entries in these characters, so tokenizer.json needs
 * them; our own ids for single bytes are the byte values (token {@code b} is byte {@code b}).
 */
public final class ByteLevel {

    private static final char[] BYTE_TO_CHAR = new char[256];
    private static final int[] CHAR_TO_BYTE = new int[512];

    static {
        java.util.Arrays.fill(CHAR_TO_BYTE, -1);
        int next = 256;
        for (int b = 0; b < 256; b++) {
            boolean printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            char c = (char) (printable ? b : next++);
            BYTE_TO_CHAR[b] = c;
            CHAR_TO_BYTE[c] = b;
        }
    }

    private ByteLevel() {
    }

    /** The character that stands for byte {@code b} (0..255). */
    public static char charOf(int b) {
        return BYTE_TO_CHAR[b & 0xFF];
    }

    /** The byte-level string of some bytes. */
    public static String encode(byte[] bytes) {
        char[] out = new char[bytes.length];
        for (int i = 0; i < bytes.length; i++) {
            out[i] = BYTE_TO_CHAR[bytes[i] & 0xFF];
        }
        return new String(out);
    }

    /** The bytes of a byte-level string; throws if a character is not one of the 256. */
    public static byte[] decode(String s) {
        byte[] out = new byte[s.length()];
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            int b = c < CHAR_TO_BYTE.length ? CHAR_TO_BYTE[c] : -1;
            if (b < 0) {
                throw new IllegalArgumentException("not a byte-level character: U+" + Integer.toHexString(c));
            }
            out[i] = (byte) b;
        }
        return out;
    }
}
