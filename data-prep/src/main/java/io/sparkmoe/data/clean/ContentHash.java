package io.sparkmoe.data.clean;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The identity of a normalised document: SHA-256 of its UTF-8 bytes. Equal hashes mean exact duplicates
 * (one is kept); the hash also decides the split, so a document lands in the same split on every run and
 * on every machine, whatever the order of the input.
 */
public final class ContentHash {

    private ContentHash() {
    }

    /** SHA-256 of the text's UTF-8 bytes, as 64 hex digits. */
    public static String of(String text) {
        return HexFormat.of().formatHex(sha256().digest(text.getBytes(StandardCharsets.UTF_8)));
    }

    /** A fresh SHA-256 digest. */
    public static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK always has SHA-256", e);
        }
    }

    /**
     * {@code "val"} when the hash's first 8 bytes, read as an unsigned fraction of 2^64, fall below
     * {@code valFraction}; {@code "train"} otherwise.
     */
    public static String split(String hexHash, double valFraction) {
        long top = Long.parseUnsignedLong(hexHash.substring(0, 16), 16);
        double u = (top >>> 11) * 0x1.0p-53;
        return u < valFraction ? "val" : "train";
    }
}
