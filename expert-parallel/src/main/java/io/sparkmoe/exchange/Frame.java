package io.sparkmoe.exchange;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.zip.CRC32C;

/**
 * One unit on the wire of the {@link NetworkExchange}, and its encoding (big-endian):
 *
 * <pre>
 *   int32  length    bytes after this field: header + body + checksum; checked against the maximum first
 *   int8   type      {@link Type}
 *   int32  sender    rank of the sender
 *   int32  layer     the tag's layer, -1 for none
 *   int8   phase     the tag's phase ordinal, -1 for none (handshake frames)
 *   int64  call      the sender's call number (1, 2, ...), 0 for handshake frames
 *   ...    body      DATA: int32 floats, int32 ints, the floats, the ints; handshake: nonces and MACs
 *   int32  crc32c    over type .. body
 * </pre>
 *
 * The length comes first so a receiver can refuse an oversize frame before buffering it; the checksum comes last
 * so a corrupted or garbage frame is refused before anything in it is believed.
 */
record Frame(Type type, int sender, Tag tag, long call, Payload payload, byte[] body) {

    /** Bytes of type, sender, layer, phase and call. */
    static final int HEADER_BYTES = 1 + 4 + 4 + 1 + 8;
    /** The smallest legal value of the length field: a header, an empty body and the checksum. */
    static final int MIN_LENGTH = HEADER_BYTES + 4;

    /** Frame types: the handshake ({@link NetworkExchange} documents it) and data. */
    enum Type {
        HELLO, CHALLENGE, PROOF, ACCEPT, REJECT, DATA
    }

    /** A handshake frame carrying raw bytes. */
    static Frame control(Type type, int sender, byte[] body) {
        return new Frame(type, sender, null, 0, null, body);
    }

    /** A data frame carrying one all-to-all payload. */
    static Frame data(int sender, Tag tag, long call, Payload payload) {
        return new Frame(Type.DATA, sender, tag, call, payload, null);
    }

    /** The value of the length field of this frame. */
    long length() {
        long bodyBytes = type == Type.DATA ? 8 + payload.bytes() : body.length;
        return HEADER_BYTES + bodyBytes + 4;
    }

    /** This frame, length prefix included, in a buffer ready to be read. */
    ByteBuffer encode() {
        long length = length();
        if (length > Integer.MAX_VALUE - 4) {
            throw new IllegalArgumentException("a frame of " + length + " bytes cannot be encoded");
        }
        ByteBuffer buffer = ByteBuffer.allocate(4 + (int) length).order(ByteOrder.BIG_ENDIAN);
        buffer.putInt((int) length);
        buffer.put((byte) type.ordinal());
        buffer.putInt(sender);
        buffer.putInt(tag == null ? Tag.NO_LAYER : tag.layer());
        buffer.put(tag == null ? (byte) -1 : (byte) tag.phase().ordinal());
        buffer.putLong(call);
        if (type == Type.DATA) {
            float[] floats = payload.floats();
            int[] ints = payload.ints();
            buffer.putInt(floats.length);
            buffer.putInt(ints.length);
            buffer.asFloatBuffer().put(floats);
            buffer.position(buffer.position() + 4 * floats.length);
            buffer.asIntBuffer().put(ints);
            buffer.position(buffer.position() + 4 * ints.length);
        } else {
            buffer.put(body);
        }
        CRC32C crc = new CRC32C();
        crc.update(buffer.array(), 4, buffer.position() - 4);
        buffer.putInt((int) crc.getValue());
        return buffer.flip();
    }

    /**
     * Decodes the {@code length} bytes after a length field (header, body, checksum), or throws
     * {@link FrameException} saying what is wrong with them.
     */
    static Frame decode(ByteBuffer bytes) {
        ByteBuffer frame = bytes.slice().order(ByteOrder.BIG_ENDIAN);
        int length = frame.remaining();
        CRC32C crc = new CRC32C();
        ByteBuffer covered = frame.duplicate();
        covered.limit(length - 4);
        crc.update(covered);
        int expected = frame.getInt(length - 4);
        if ((int) crc.getValue() != expected) {
            throw new FrameException("checksum mismatch (CRC32C " + Integer.toHexString((int) crc.getValue())
                    + ", frame says " + Integer.toHexString(expected) + "): corrupted or not a frame");
        }
        int typeCode = frame.get();
        if (typeCode < 0 || typeCode >= Type.values().length) {
            throw new FrameException("unknown frame type " + typeCode);
        }
        Type type = Type.values()[typeCode];
        int sender = frame.getInt();
        int layer = frame.getInt();
        int phaseCode = frame.get();
        long call = frame.getLong();
        int bodyBytes = length - MIN_LENGTH;
        if (type != Type.DATA) {
            byte[] body = new byte[bodyBytes];
            frame.get(body);
            return control(type, sender, body);
        }
        if (phaseCode < 0 || phaseCode >= Tag.Phase.values().length || layer < Tag.NO_LAYER) {
            throw new FrameException("data frame with invalid tag (layer " + layer + ", phase " + phaseCode + ")");
        }
        int floatCount = bodyBytes >= 8 ? frame.getInt() : -1;
        int intCount = bodyBytes >= 8 ? frame.getInt() : -1;
        if (floatCount < 0 || intCount < 0 || 8 + 4L * floatCount + 4L * intCount != bodyBytes) {
            throw new FrameException("data frame body of " + bodyBytes + " bytes does not hold " + floatCount
                    + " floats and " + intCount + " ints");
        }
        float[] floats = new float[floatCount];
        frame.asFloatBuffer().get(floats);
        frame.position(frame.position() + 4 * floatCount);
        int[] ints = new int[intCount];
        frame.asIntBuffer().get(ints);
        return data(sender, Tag.of(layer, Tag.Phase.values()[phaseCode]), call, Payload.of(floats, ints));
    }

    /** A frame that is refused: bad length, checksum, type or body. */
    static final class FrameException extends ExchangeException {
        FrameException(String message) {
            super(message);
        }
    }
}
