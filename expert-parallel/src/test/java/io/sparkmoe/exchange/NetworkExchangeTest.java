package io.sparkmoe.exchange;

import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.DecoderException;
import org.junit.jupiter.api.Test;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The exchange contract over real loopback sockets, plus what only a network exchange faces: peers with the
 * wrong secret, garbage and oversize frames, peers that accept and never answer, peers that are not there.
 */
class NetworkExchangeTest extends ExchangeContract {

    private static final int MAX_FRAME = 1 << 20;
    private static final byte[] SECRET = NetworkExchange.newSecret();
    private static final InetSocketAddress LOOPBACK = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);

    private final List<AutoCloseable> resources = new java.util.concurrent.CopyOnWriteArrayList<>();

    @Override
    List<? extends Exchange> open(Topology topology, Duration timeout) {
        NetworkExchange.Settings settings = new NetworkExchange.Settings(PATIENT, timeout, MAX_FRAME);
        List<NetworkExchange.Listener> listeners = listen(topology.size(), settings, SECRET);
        List<InetSocketAddress> addresses = addresses(listeners);
        List<NetworkExchange> exchanges = new ArrayList<>();
        for (NetworkExchange.Listener listener : listeners) {
            // Sequential is enough: a rank answers handshakes on its own threads while it dials the others.
            exchanges.add(listener.connect(topology, addresses));
        }
        return exchanges;
    }

    private List<NetworkExchange.Listener> listen(int size, NetworkExchange.Settings settings, byte[] secret) {
        List<NetworkExchange.Listener> listeners = new ArrayList<>();
        for (int rank = 0; rank < size; rank++) {
            listeners.add(NetworkExchange.listen(rank, size, secret, settings, LOOPBACK));
        }
        return listeners;
    }

    private static List<InetSocketAddress> addresses(List<NetworkExchange.Listener> listeners) {
        List<InetSocketAddress> addresses = new ArrayList<>();
        listeners.forEach(listener -> addresses.add(listener.address()));
        return addresses;
    }

    @org.junit.jupiter.api.AfterEach
    void closeResources() throws Exception {
        for (AutoCloseable resource : resources) {
            resource.close();
        }
        resources.clear();
    }

    private static NetworkExchange.Settings settings(Duration connect, Duration read) {
        return new NetworkExchange.Settings(connect, read, MAX_FRAME);
    }

    @Test
    void aClientThatCannotProveTheSecretIsRejectedAndTheRunGoesOn() throws Exception {
        List<? extends Exchange> run = ranks(twoNodes(2), PATIENT);
        NetworkExchange rank0 = (NetworkExchange) run.get(0);
        try (Socket socket = new Socket()) {
            socket.connect(rank0.address());
            socket.setSoTimeout(60_000);
            byte[] nonce = new byte[Handshake.NONCE_BYTES];
            write(socket, Frame.control(Frame.Type.HELLO, 1, ByteBuffer.allocate(4 + nonce.length).putInt(0)
                    .put(nonce).array()));
            Frame challenge = read(socket);
            assertEquals(Frame.Type.CHALLENGE, challenge.type());
            // Proof under another secret: what a peer of another run, or an attacker, can produce.
            Handshake wrong = new Handshake(NetworkExchange.newSecret());
            byte[] serverNonce = Arrays.copyOf(challenge.body(), Handshake.NONCE_BYTES);
            write(socket, Frame.control(Frame.Type.PROOF, 1, wrong.clientProof(1, 0, nonce, serverNonce)));
            Frame reject = read(socket);
            assertEquals(Frame.Type.REJECT, reject.type());
            assertTrue(new String(reject.body(), StandardCharsets.UTF_8).contains("failed to prove the run secret"));
            assertEquals(-1, socket.getInputStream().read(), "the connection is closed after the rejection");
        }
        assertTrue(rank0.refusals().stream().anyMatch(r -> r.contains("failed to prove the run secret")),
                rank0.refusals().toString());
        float[] sums = Ranks.all(run, exchange -> exchange.allReduceSum(Tag.global(Tag.Phase.ALL_REDUCE),
                new float[] {exchange.rank() + 1f})).get(0);
        assertArrayEquals(new float[] {3f}, sums, "the real ranks still work");
    }

    @Test
    void anIntruderWithTheWrongSecretCannotConnectAndTheRunGoesOn() {
        List<? extends Exchange> run = ranks(twoNodes(2), PATIENT);
        NetworkExchange.Listener intruder = NetworkExchange.listen(1, 2, NetworkExchange.newSecret(),
                settings(PATIENT, PATIENT), LOOPBACK);
        resources.add(intruder);
        List<InetSocketAddress> addresses = List.of(((NetworkExchange) run.get(0)).address(), intruder.address());
        ExchangeException refused = assertThrows(ExchangeException.class,
                () -> intruder.connect(twoNodes(2), addresses));
        assertTrue(refused.getMessage().contains("rank 0 at"), refused.getMessage());
        assertTrue(refused.getMessage().contains("failed to prove the run secret"), refused.getMessage());
        Ranks.all(run, exchange -> {
            exchange.barrier(Tag.global(Tag.Phase.BARRIER));
            return null;
        });
    }

    @Test
    void ranksWithDifferentSecretsFailCleanlyInsteadOfHanging() {
        NetworkExchange.Settings settings = settings(PATIENT, PATIENT);
        List<NetworkExchange.Listener> listeners = List.of(
                NetworkExchange.listen(0, 2, SECRET, settings, LOOPBACK),
                NetworkExchange.listen(1, 2, NetworkExchange.newSecret(), settings, LOOPBACK));
        resources.addAll(listeners);
        List<InetSocketAddress> addresses = addresses(listeners);
        for (NetworkExchange.Listener listener : listeners) {
            ExchangeException failure = assertThrows(ExchangeException.class,
                    () -> listener.connect(twoNodes(2), addresses));
            assertTrue(failure.getMessage().contains("failed to prove the run secret"), failure.getMessage());
        }
    }

    @Test
    void garbageAndOversizeFramesAreRefusedAndTheRunGoesOn() throws Exception {
        List<? extends Exchange> run = ranks(twoNodes(2), PATIENT);
        NetworkExchange rank0 = (NetworkExchange) run.get(0);
        // Text instead of frames: its first four bytes read as a length of about 1.2 GB.
        assertClosedAfterSending(rank0.address(),
                "GET / HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        // Only an oversize length prefix, no body: refused on the prefix alone, before any body is buffered.
        assertClosedAfterSending(rank0.address(), ByteBuffer.allocate(4).putInt(MAX_FRAME + 1).array());
        // A plausible length and random bytes: refused by the checksum.
        byte[] noise = new byte[4 + 64];
        new Random(5).nextBytes(noise);
        ByteBuffer.wrap(noise).putInt(64);
        assertClosedAfterSending(rank0.address(), noise);
        // A valid frame, but data before any handshake.
        assertClosedAfterSending(rank0.address(), Frame.data(1, Tag.global(Tag.Phase.BARRIER), 1, Payload.EMPTY)
                .encode().array());
        List<String> refusals = rank0.refusals();
        assertEquals(4, refusals.size(), refusals.toString());
        assertTrue(refusals.get(0).contains("exceeds the maximum frame size of " + MAX_FRAME), refusals.get(0));
        assertTrue(refusals.get(1).contains("frame length " + (MAX_FRAME + 1) + " exceeds"), refusals.get(1));
        assertTrue(refusals.get(2).contains("checksum mismatch"), refusals.get(2));
        assertTrue(refusals.get(3).contains("expected HELLO but got DATA"), refusals.get(3));
        Ranks.all(run, exchange -> {
            exchange.barrier(Tag.global(Tag.Phase.BARRIER));
            return null;
        });
    }

    private static void assertClosedAfterSending(InetSocketAddress address, byte[] bytes) throws IOException {
        try (Socket socket = new Socket()) {
            socket.connect(address);
            socket.setSoTimeout(60_000);
            socket.getOutputStream().write(bytes);
            socket.getOutputStream().flush();
            assertEquals(-1, socket.getInputStream().read(), "the peer closes the connection");
        }
    }

    @Test
    void theDecoderRefusesAnOversizeLengthFromItsFourBytesAlone() {
        EmbeddedChannel channel = new EmbeddedChannel(new FrameDecoder(1024));
        DecoderException refused = assertThrows(DecoderException.class,
                () -> channel.writeInbound(Unpooled.wrappedBuffer(ByteBuffer.allocate(4).putInt(1 << 30).array())));
        assertInstanceOf(Frame.FrameException.class, refused.getCause());
        assertTrue(refused.getCause().getMessage().contains("exceeds the maximum frame size of 1024"));
        // Everything after a refusal is swallowed, not parsed.
        assertFalse(channel.writeInbound(Unpooled.wrappedBuffer(Frame.control(Frame.Type.HELLO, 0, new byte[36])
                .encode())));
        channel.finishAndReleaseAll();
    }

    @Test
    void framesRoundTripAndAFlippedBitIsCaught() {
        Frame frame = Frame.data(3, Tag.of(2, Tag.Phase.COMBINE), 42,
                Payload.of(new float[] {1.5f, -2f, Float.MIN_VALUE}, new int[] {7, -1}));
        ByteBuffer encoded = frame.encode();
        assertEquals(frame.length() + 4, encoded.remaining());
        Frame decoded = Frame.decode(encoded.duplicate().position(4));
        assertEquals(3, decoded.sender());
        assertEquals(Tag.of(2, Tag.Phase.COMBINE), decoded.tag());
        assertEquals(42, decoded.call());
        assertArrayEquals(frame.payload().floats(), decoded.payload().floats());
        assertArrayEquals(frame.payload().ints(), decoded.payload().ints());
        for (int bit = 0; bit < 8 * (encoded.remaining() - 4); bit += 13) {
            byte[] corrupted = encoded.array().clone();
            corrupted[4 + bit / 8] ^= (byte) (1 << (bit % 8));
            assertThrows(Frame.FrameException.class, () -> Frame.decode(ByteBuffer.wrap(corrupted, 4,
                    corrupted.length - 4)), "bit " + bit);
        }
    }

    @Test
    void aPeerThatAcceptsAndNeverAnswersFailsTheConnectWithinItsTimeout() throws Exception {
        try (ServerSocket silent = new ServerSocket(0, 10, InetAddress.getLoopbackAddress())) {
            Thread acceptor = new Thread(() -> {
                try {
                    Socket held = silent.accept(); // accept, then say nothing until the test ends
                    resources.add(held);
                } catch (IOException ignored) {
                    // the server socket was closed at the end of the test
                }
            });
            acceptor.setDaemon(true);
            acceptor.start();
            NetworkExchange.Listener rank0 = NetworkExchange.listen(0, 2, SECRET,
                    settings(Duration.ofMillis(500), PATIENT), LOOPBACK);
            resources.add(rank0);
            InetSocketAddress silentAddress = (InetSocketAddress) silent.getLocalSocketAddress();
            ExchangeException failure = assertThrows(ExchangeException.class,
                    () -> rank0.connect(twoNodes(2), List.of(rank0.address(), silentAddress)));
            assertTrue(failure.getMessage().contains("rank 1 at " + silentAddress), failure.getMessage());
            assertTrue(failure.getMessage().contains("did not complete the handshake"), failure.getMessage());
        }
    }

    @Test
    void aPeerThatIsNotListeningFailsTheConnectNamingIt() throws Exception {
        InetSocketAddress nobody;
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            nobody = (InetSocketAddress) probe.getLocalSocketAddress();
        }
        NetworkExchange.Listener rank0 = NetworkExchange.listen(0, 2, SECRET,
                settings(Duration.ofMillis(500), PATIENT), LOOPBACK);
        resources.add(rank0);
        ExchangeException failure = assertThrows(ExchangeException.class,
                () -> rank0.connect(twoNodes(2), List.of(rank0.address(), nobody)));
        assertTrue(failure.getMessage().contains("could not connect to rank 1 at " + nobody), failure.getMessage());
    }

    @Test
    void aPayloadOverTheFrameLimitIsRefusedBySenderNamingThePeer() {
        List<? extends Exchange> run = ranks(twoNodes(2), PATIENT);
        ExchangeException failure = assertThrows(ExchangeException.class, () -> run.get(0).allToAll(
                Tag.of(0, Tag.Phase.DISPATCH), List.of(Payload.EMPTY, Payload.ofFloats(new float[MAX_FRAME / 4]))));
        assertTrue(failure.getMessage().contains("to rank 1 at"), failure.getMessage());
        assertTrue(failure.getMessage().contains("exceeds the maximum frame size of " + MAX_FRAME),
                failure.getMessage());
    }

    @Test
    void aPayloadThatArrivesInManyReadsIsReassembledIntact() {
        float[] large = new float[200_000]; // 800 kB: many socket reads, one frame
        Random random = new Random(9);
        for (int i = 0; i < large.length; i++) {
            large[i] = (float) random.nextGaussian();
        }
        List<List<Payload>> received = Ranks.all(ranks(twoNodes(2), PATIENT), exchange -> exchange.allToAll(
                Tag.of(0, Tag.Phase.DISPATCH), exchange.rank() == 0 ? List.of(Payload.EMPTY, Payload.ofFloats(large))
                        : List.of(Payload.ofInts(new int[] {1, 2, 3}), Payload.EMPTY)));
        assertArrayEquals(large, received.get(1).get(0).floats());
        assertArrayEquals(new int[] {1, 2, 3}, received.get(0).get(1).ints());
    }

    private static void write(Socket socket, Frame frame) throws IOException {
        OutputStream out = socket.getOutputStream();
        out.write(frame.encode().array());
        out.flush();
    }

    private static Frame read(Socket socket) throws IOException {
        InputStream in = socket.getInputStream();
        DataInputStream data = new DataInputStream(in);
        int length;
        try {
            length = data.readInt();
        } catch (EOFException e) {
            throw new AssertionError("the peer closed the connection instead of answering", e);
        }
        byte[] frame = new byte[length];
        data.readFully(frame);
        return Frame.decode(ByteBuffer.wrap(frame));
    }
}
