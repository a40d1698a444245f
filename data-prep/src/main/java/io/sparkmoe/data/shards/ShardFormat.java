package io.sparkmoe.data.shards;

import io.sparkmoe.data.DataException;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The token shard layout (llm.c's): a header of 256 little-endian int32 — {@code [0]} magic 20240520,
 * {@code [1]} version (1: ids as uint16, 2: ids as uint32), {@code [2]} token count, the rest zero —
 * followed by the ids, little-endian. Version 1 is used whenever the vocabulary fits in 16 bits, so
 * llm.c-family loaders read our shards.
 */
public final class ShardFormat {

    public static final int MAGIC = 20240520;
    public static final int HEADER_INTS = 256;
    public static final int HEADER_BYTES = HEADER_INTS * 4;
    public static final int VERSION_UINT16 = 1;
    public static final int VERSION_UINT32 = 2;

    private ShardFormat() {
    }

    /** The version for a vocabulary of {@code vocabSize} ids. */
    public static int versionFor(int vocabSize) {
        return vocabSize <= 1 << 16 ? VERSION_UINT16 : VERSION_UINT32;
    }

    /** Bytes per id in {@code version}. */
    public static int width(int version) {
        return version == VERSION_UINT16 ? 2 : 4;
    }

    /** The whole file: header and ids. */
    public static byte[] encode(int[] ids, int count, int version) {
        int width = width(version);
        ByteBuffer buf = ByteBuffer.allocate(HEADER_BYTES + count * width).order(ByteOrder.LITTLE_ENDIAN);
        buf.putInt(MAGIC).putInt(version).putInt(count);
        buf.position(HEADER_BYTES);
        for (int i = 0; i < count; i++) {
            if (width == 2) {
                buf.putShort((short) ids[i]);
            } else {
                buf.putInt(ids[i]);
            }
        }
        return buf.array();
    }

    /**
     * The ids of a whole shard file, after checking its header, its length and that every id is below
     * {@code vocabSize}; {@code file} names it in errors.
     */
    public static int[] decode(byte[] bytes, int vocabSize, String file) {
        if (bytes.length < HEADER_BYTES) {
            throw new DataException(file + ": truncated shard (" + bytes.length + " bytes, shorter than the "
                    + HEADER_BYTES + "-byte header)");
        }
        ByteBuffer buf = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        int magic = buf.getInt(0);
        int version = buf.getInt(4);
        int count = buf.getInt(8);
        if (magic != MAGIC) {
            throw new DataException(file + ": not a token shard (magic " + magic + ", expected " + MAGIC + ")");
        }
        if (version != VERSION_UINT16 && version != VERSION_UINT32) {
            throw new DataException(file + ": unknown shard version " + version + " (1 = uint16, 2 = uint32)");
        }
        int width = width(version);
        long expected = HEADER_BYTES + (long) count * width;
        if (count < 0 || bytes.length != expected) {
            throw new DataException(file + ": header says " + count + " tokens (" + expected + " bytes) but the file has "
                    + bytes.length + " bytes" + (bytes.length < expected ? " (truncated)" : ""));
        }
        int[] ids = new int[count];
        buf.position(HEADER_BYTES);
        for (int i = 0; i < count; i++) {
            ids[i] = width == 2 ? Short.toUnsignedInt(buf.getShort()) : buf.getInt();
            if (ids[i] < 0 || ids[i] >= vocabSize) {
                throw new DataException(file + ": token " + i + " has id " + Integer.toUnsignedString(ids[i])
                        + ", outside the vocabulary of " + vocabSize);
            }
        }
        return ids;
    }
}
