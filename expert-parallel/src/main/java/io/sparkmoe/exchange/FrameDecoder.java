package io.sparkmoe.exchange;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;

import java.util.List;

/**
 * Splits a byte stream into {@link Frame}s. The length field is checked as soon as its four bytes arrive, so an
 * oversize (or nonsensical) length is refused before a single byte of its body is buffered; after the first bad
 * frame the decoder swallows everything, because nothing more from that peer can be trusted.
 */
final class FrameDecoder extends ByteToMessageDecoder {

    private final int maxFrameBytes;
    private boolean refused;

    FrameDecoder(int maxFrameBytes) {
        this.maxFrameBytes = maxFrameBytes;
        // Large frames arrive in many reads; composing them avoids re-copying the growing buffer on every read.
        setCumulator(COMPOSITE_CUMULATOR);
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        if (refused) {
            in.skipBytes(in.readableBytes());
            return;
        }
        if (in.readableBytes() < 4) {
            return;
        }
        int length = in.getInt(in.readerIndex());
        if (length < Frame.MIN_LENGTH || length > maxFrameBytes) {
            refused = true;
            in.skipBytes(in.readableBytes());
            throw new Frame.FrameException("frame length " + Integer.toUnsignedString(length)
                    + (length > maxFrameBytes || length < 0 ? " exceeds the maximum frame size of " + maxFrameBytes
                    : " is below the minimum of " + Frame.MIN_LENGTH) + " bytes");
        }
        if (in.readableBytes() < 4 + length) {
            return;
        }
        in.skipBytes(4);
        try {
            out.add(Frame.decode(in.nioBuffer(in.readerIndex(), length)));
        } catch (Frame.FrameException e) {
            refused = true;
            in.skipBytes(in.readableBytes());
            throw e;
        }
        in.skipBytes(length);
    }
}
