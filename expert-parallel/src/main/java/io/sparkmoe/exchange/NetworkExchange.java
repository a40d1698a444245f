package io.sparkmoe.exchange;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;

import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * The exchange between JVMs, over TCP with Netty (already on every Spark executor's class path). Each rank
 * listens on a port ({@link #listen}), learns the others' addresses from its caller (the Spark barrier context's
 * {@code allGather}, later), and dials every other rank ({@link Listener#connect}); it sends on the connections it
 * dialled and receives on those it accepted.
 *
 * <p>Handshake, per dialled connection, every message a checksummed {@link Frame}:
 * <ol>
 *   <li>client → server: HELLO (the server rank it means to reach, a fresh client nonce);</li>
 *   <li>server → client: CHALLENGE (a fresh server nonce, the server's proof HMAC(secret, "server", ranks,
 *       nonces)); the client checks it, so a rank never sends tokens to an impostor;</li>
 *   <li>client → server: PROOF (HMAC(secret, "client", ranks, nonces)); the server answers ACCEPT, or REJECT with
 *       the reason, and closes.</li>
 * </ol>
 * The secret never crosses the wire. Until a connection has proved the secret, the only frames accepted on it are
 * the handshake's; anything else, an oversize length or a bad checksum closes it and is recorded
 * ({@link Listener#refusals()}), without disturbing the run. Timeouts: dialling and the handshake give up after the
 * connect timeout (refused connections are retried until then: peers may start listening a little later), every
 * receive after the read timeout, each with an error naming the peer's rank and address.
 */
public final class NetworkExchange extends AbstractExchange {

    /** Timeouts and the frame size limit. */
    public record Settings(Duration connectTimeout, Duration readTimeout, int maxFrameBytes) {

        /** Generous for a cluster: a minute to connect, ten to receive (a slow expert step), 256 MiB frames. */
        public static final Settings DEFAULT = new Settings(Duration.ofSeconds(60), Duration.ofMinutes(10),
                256 << 20);

        public Settings {
            if (connectTimeout.isNegative() || connectTimeout.isZero()) {
                throw new IllegalArgumentException("connectTimeout must be positive, got " + connectTimeout);
            }
            if (readTimeout.isNegative() || readTimeout.isZero()) {
                throw new IllegalArgumentException("readTimeout must be positive, got " + readTimeout);
            }
            if (maxFrameBytes < Frame.MIN_LENGTH + 8) {
                throw new IllegalArgumentException("maxFrameBytes must be at least " + (Frame.MIN_LENGTH + 8)
                        + ", got " + maxFrameBytes);
            }
        }
    }

    /** A fresh random per-run secret, made once by the driver and given to every rank. */
    public static byte[] newSecret() {
        return Handshake.newSecret();
    }

    /**
     * Starts listening for the other ranks of a run of {@code size} ranks, as {@code rank}, on {@code bind}
     * (port 0 picks a free one; {@link Listener#address()} tells which).
     */
    public static Listener listen(int rank, int size, byte[] secret, Settings settings, InetSocketAddress bind) {
        return new Listener(rank, size, new Handshake(secret), settings, bind);
    }

    /** A rank that listens and has not dialled the others yet. */
    public static final class Listener implements AutoCloseable {

        private final int rank;
        private final int size;
        private final Handshake handshake;
        private final Settings settings;
        private final EventLoopGroup group;
        private final Channel serverChannel;
        private final Inbox inbox;
        private final AtomicReferenceArray<Channel> inbound;
        private final List<String> refusals = new CopyOnWriteArrayList<>();
        private volatile List<InetSocketAddress> peerAddresses;

        private Listener(int rank, int size, Handshake handshake, Settings settings, InetSocketAddress bind) {
            if (rank < 0 || rank >= size) {
                throw new IllegalArgumentException("rank " + rank + " is outside a run of " + size + " ranks");
            }
            this.rank = rank;
            this.size = size;
            this.handshake = handshake;
            this.settings = settings;
            this.inbox = new Inbox(rank, size);
            this.inbound = new AtomicReferenceArray<>(size);
            this.group = new NioEventLoopGroup(2, new DefaultThreadFactory("sparkmoe-exchange-r" + rank, true));
            ServerBootstrap server = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel channel) {
                            channel.pipeline().addLast(new FrameDecoder(settings.maxFrameBytes()),
                                    new ServerHandler(Listener.this));
                        }
                    });
            try {
                this.serverChannel = server.bind(bind).sync().channel();
            } catch (Exception e) {
                group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
                throw new ExchangeException("rank " + rank + " cannot listen on " + bind + ": " + e, e);
            }
        }

        /** The address this rank listens on, for the other ranks. */
        public InetSocketAddress address() {
            return (InetSocketAddress) serverChannel.localAddress();
        }

        /** Why connections to this rank were refused (wrong secret, garbage, oversize frames), oldest first. */
        public List<String> refusals() {
            return List.copyOf(refusals);
        }

        /**
         * Dials every other rank at {@code addresses} (indexed by rank; this rank's own entry is ignored) and
         * returns the exchange. Throws {@link ExchangeException} naming the first peer that cannot be reached or
         * that fails the handshake within the connect timeout. The listener stays open either way: the caller
         * closes it (a failed rank must go on refusing its peers rather than vanish mid-handshake); on success the
         * exchange owns it.
         */
        public NetworkExchange connect(Topology topology, List<InetSocketAddress> addresses) {
            if (topology.size() != size || addresses.size() != size) {
                throw new IllegalArgumentException("rank " + rank + " listens for " + size + " ranks but got a"
                        + " topology of " + topology.size() + " and " + addresses.size() + " addresses");
            }
            peerAddresses = List.copyOf(addresses);
            Channel[] outbound = new Channel[size];
            try {
                for (int peer = 0; peer < size; peer++) {
                    if (peer != rank) {
                        outbound[peer] = dial(peer, addresses.get(peer));
                    }
                }
            } catch (RuntimeException e) {
                for (Channel channel : outbound) {
                    if (channel != null) {
                        channel.close();
                    }
                }
                throw e;
            }
            return new NetworkExchange(this, topology, outbound);
        }

        private Channel dial(int peer, InetSocketAddress address) {
            String who = "rank " + peer + " at " + address;
            long connectDeadline = System.nanoTime() + settings.connectTimeout().toNanos();
            CompletableFuture<Void> accepted = new CompletableFuture<>();
            Bootstrap client = new Bootstrap().group(group).channel(NioSocketChannel.class)
                    .option(ChannelOption.TCP_NODELAY, true)
                    .handler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel channel) {
                            channel.pipeline().addLast(new FrameDecoder(settings.maxFrameBytes()),
                                    new ClientHandler(Listener.this, peer, who, accepted));
                        }
                    });
            Channel channel = null;
            Throwable lastFailure = null;
            while (channel == null) {
                long remainingMillis = Math.max(1, (connectDeadline - System.nanoTime()) / 1_000_000);
                ChannelFuture connecting = client.clone()
                        .option(ChannelOption.CONNECT_TIMEOUT_MILLIS,
                                (int) Math.min(Integer.MAX_VALUE, remainingMillis))
                        .connect(address).awaitUninterruptibly();
                if (connecting.isSuccess()) {
                    channel = connecting.channel();
                } else {
                    lastFailure = connecting.cause();
                    if (!(lastFailure instanceof ConnectException) || System.nanoTime() > connectDeadline) {
                        throw new ExchangeException("rank " + rank + " could not connect to " + who + " within "
                                + settings.connectTimeout().toMillis() + " ms: " + lastFailure, lastFailure);
                    }
                    sleepQuietly(100);
                }
            }
            try {
                accepted.get(Math.max(0, connectDeadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                return channel;
            } catch (TimeoutException e) {
                channel.close();
                throw new ExchangeException("rank " + rank + ": " + who + " accepted the connection but did not"
                        + " complete the handshake within the connect timeout of "
                        + settings.connectTimeout().toMillis() + " ms (expected a"
                        + " CHALLENGE, then an ACCEPT frame)");
            } catch (ExecutionException e) {
                channel.close();
                throw new ExchangeException(e.getCause().getMessage(), e.getCause());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                channel.close();
                throw new ExchangeException("rank " + rank + " was interrupted while connecting to " + who, e);
            }
        }

        String describe(int peer) {
            List<InetSocketAddress> addresses = peerAddresses;
            Channel channel = inbound.get(peer);
            SocketAddress address = addresses != null ? addresses.get(peer)
                    : channel != null ? channel.remoteAddress() : null;
            return "rank " + peer + (address == null ? "" : " at " + address);
        }

        @Override
        public void close() {
            serverChannel.close().awaitUninterruptibly();
            group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly();
        }
    }

    /** Server side of one accepted connection: the handshake, then data frames from the authenticated rank. */
    private static final class ServerHandler extends SimpleChannelInboundHandler<Frame> {

        private final Listener listener;
        private byte[] clientNonce;
        private byte[] serverNonce;
        private int claimedRank = -1;
        private int authenticatedRank = -1;

        ServerHandler(Listener listener) {
            this.listener = listener;
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            ctx.executor().schedule(() -> {
                if (authenticatedRank < 0 && ctx.channel().isActive()) {
                    refuse(ctx, "no completed handshake within " + listener.settings.connectTimeout().toMillis()
                            + " ms");
                }
            }, listener.settings.connectTimeout().toMillis(), TimeUnit.MILLISECONDS);
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, Frame frame) {
            if (authenticatedRank >= 0) {
                if (frame.type() != Frame.Type.DATA || frame.sender() != authenticatedRank) {
                    refuse(ctx, "rank " + authenticatedRank + " sent a " + frame.type() + " frame as rank "
                            + frame.sender() + " after its handshake");
                    return;
                }
                listener.inbox.deliver(authenticatedRank,
                        Inbox.Envelope.message(frame.tag(), frame.call(), frame.payload()));
            } else if (clientNonce == null && frame.type() == Frame.Type.HELLO) {
                hello(ctx, frame);
            } else if (clientNonce != null && frame.type() == Frame.Type.PROOF) {
                proof(ctx, frame);
            } else {
                refuse(ctx, "expected " + (clientNonce == null ? "HELLO" : "PROOF") + " but got " + frame.type());
            }
        }

        private void hello(ChannelHandlerContext ctx, Frame frame) {
            ByteBuffer body = ByteBuffer.wrap(frame.body());
            if (body.remaining() != 4 + Handshake.NONCE_BYTES) {
                refuse(ctx, "HELLO of " + body.remaining() + " bytes, expected " + (4 + Handshake.NONCE_BYTES));
                return;
            }
            int target = body.getInt();
            if (target != listener.rank) {
                refuse(ctx, "HELLO meant for rank " + target + " reached rank " + listener.rank
                        + ": the address list is wrong");
                return;
            }
            if (frame.sender() < 0 || frame.sender() >= listener.size || frame.sender() == listener.rank) {
                refuse(ctx, "HELLO from rank " + frame.sender() + ", expected a rank in [0, " + listener.size
                        + ") other than " + listener.rank);
                return;
            }
            claimedRank = frame.sender();
            clientNonce = new byte[Handshake.NONCE_BYTES];
            body.get(clientNonce);
            serverNonce = Handshake.nonce();
            byte[] proof = listener.handshake.serverProof(claimedRank, listener.rank, clientNonce, serverNonce);
            send(ctx, Frame.control(Frame.Type.CHALLENGE, listener.rank, Handshake.concat(serverNonce, proof)));
        }

        private void proof(ChannelHandlerContext ctx, Frame frame) {
            byte[] expected = listener.handshake.clientProof(claimedRank, listener.rank, clientNonce, serverNonce);
            if (frame.sender() != claimedRank || !Handshake.matches(expected, frame.body())) {
                refuse(ctx, "rank " + claimedRank + " failed to prove the run secret (a wrong secret or another"
                        + " run)");
                return;
            }
            if (!listener.inbound.compareAndSet(claimedRank, null, ctx.channel())) {
                refuse(ctx, "rank " + claimedRank + " is already connected");
                return;
            }
            authenticatedRank = claimedRank;
            send(ctx, Frame.control(Frame.Type.ACCEPT, listener.rank, new byte[0]));
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            if (authenticatedRank >= 0) {
                listener.inbox.deliver(authenticatedRank, Inbox.Envelope.failure("the connection from "
                        + listener.describe(authenticatedRank) + " closed"));
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            Throwable reason = cause.getCause() instanceof Frame.FrameException ? cause.getCause() : cause;
            String message = "refused: " + reason.getMessage();
            if (authenticatedRank >= 0) {
                listener.inbox.deliver(authenticatedRank, Inbox.Envelope.failure(
                        listener.describe(authenticatedRank) + " sent a bad frame: " + reason.getMessage()));
            }
            refuse(ctx, message);
        }

        private void refuse(ChannelHandlerContext ctx, String reason) {
            listener.refusals.add("connection from " + ctx.channel().remoteAddress() + ": " + reason);
            if (authenticatedRank < 0 && clientNonce != null) {
                send(ctx, Frame.control(Frame.Type.REJECT, listener.rank,
                        reason.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
            }
            ctx.channel().close();
        }
    }

    /** Client side of one dialled connection: the handshake; after ACCEPT nothing more may arrive on it. */
    private static final class ClientHandler extends SimpleChannelInboundHandler<Frame> {

        private final Listener listener;
        private final int server;
        private final String who;
        private final CompletableFuture<Void> accepted;
        private final byte[] clientNonce = Handshake.nonce();

        ClientHandler(Listener listener, int server, String who, CompletableFuture<Void> accepted) {
            this.listener = listener;
            this.server = server;
            this.who = who;
            this.accepted = accepted;
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            byte[] body = ByteBuffer.allocate(4 + Handshake.NONCE_BYTES).putInt(server).put(clientNonce).array();
            send(ctx, Frame.control(Frame.Type.HELLO, listener.rank, body));
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, Frame frame) {
            if (accepted.isDone()) {
                fail(ctx, who + " sent a " + frame.type() + " frame on a connection that only carries data to it");
            } else if (frame.type() == Frame.Type.CHALLENGE && frame.body().length
                    == Handshake.NONCE_BYTES + Handshake.PROOF_BYTES && frame.sender() == server) {
                byte[] serverNonce = Arrays.copyOf(frame.body(), Handshake.NONCE_BYTES);
                byte[] proof = Arrays.copyOfRange(frame.body(), Handshake.NONCE_BYTES, frame.body().length);
                if (!Handshake.matches(listener.handshake.serverProof(listener.rank, server, clientNonce, serverNonce),
                        proof)) {
                    fail(ctx, who + " failed to prove the run secret (a wrong secret or another run)");
                    return;
                }
                send(ctx, Frame.control(Frame.Type.PROOF, listener.rank,
                        listener.handshake.clientProof(listener.rank, server, clientNonce, serverNonce)));
            } else if (frame.type() == Frame.Type.ACCEPT) {
                accepted.complete(null);
            } else if (frame.type() == Frame.Type.REJECT) {
                fail(ctx, who + " refused rank " + listener.rank + ": "
                        + new String(frame.body(), java.nio.charset.StandardCharsets.UTF_8));
            } else {
                fail(ctx, who + " answered the handshake with an unexpected " + frame.type() + " frame from rank "
                        + frame.sender());
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            accepted.completeExceptionally(new ExchangeException("rank " + listener.rank + ": " + who
                    + " closed the connection during the handshake"));
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            Throwable reason = cause.getCause() instanceof Frame.FrameException ? cause.getCause() : cause;
            fail(ctx, who + " sent a bad frame: " + reason.getMessage());
        }

        private void fail(ChannelHandlerContext ctx, String reason) {
            accepted.completeExceptionally(new ExchangeException("rank " + listener.rank + ": " + reason));
            ctx.channel().close();
        }
    }

    private static void send(ChannelHandlerContext ctx, Frame frame) {
        ctx.writeAndFlush(Unpooled.wrappedBuffer(frame.encode()));
    }

    private static void sleepQuietly(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ExchangeException("interrupted while waiting to reconnect", e);
        }
    }

    private final Listener listener;
    private final Channel[] outbound;
    private volatile boolean closed;

    private NetworkExchange(Listener listener, Topology topology, Channel[] outbound) {
        super(listener.rank, topology);
        this.listener = listener;
        this.outbound = outbound;
    }

    /** The address this rank listens on. */
    public InetSocketAddress address() {
        return listener.address();
    }

    /** Why connections to this rank were refused, oldest first. */
    public List<String> refusals() {
        return listener.refusals();
    }

    @Override
    List<Payload> transfer(Tag tag, long call, List<Payload> outgoing) {
        if (closed) {
            throw new ExchangeException("rank " + rank() + " used its exchange after closing it (" + tag + ")");
        }
        int maxFrameBytes = listener.settings.maxFrameBytes();
        List<ChannelFuture> writes = new ArrayList<>();
        for (int to = 0; to < size(); to++) {
            if (to == rank()) {
                continue;
            }
            Frame frame = Frame.data(rank(), tag, call, outgoing.get(to));
            if (frame.length() > maxFrameBytes) {
                throw new ExchangeException("rank " + rank() + " cannot send " + outgoing.get(to) + " to "
                        + listener.describe(to) + " in " + tag + ": a frame of " + frame.length() + " bytes exceeds"
                        + " the maximum frame size of " + maxFrameBytes);
            }
            writes.add(outbound[to].writeAndFlush(Unpooled.wrappedBuffer(frame.encode())));
        }
        long timeoutMillis = listener.settings.readTimeout().toMillis();
        long deadline = System.nanoTime() + listener.settings.readTimeout().toNanos();
        List<Payload> incoming = new ArrayList<>(size());
        for (int from = 0; from < size(); from++) {
            incoming.add(from == rank() ? outgoing.get(from)
                    : listener.inbox.take(from, tag, call, deadline, timeoutMillis, listener::describe));
        }
        for (ChannelFuture write : writes) {
            long remaining = Math.max(0, deadline - System.nanoTime());
            if (!write.awaitUninterruptibly(remaining, TimeUnit.NANOSECONDS)) {
                throw new ExchangeException("rank " + rank() + " could not finish sending " + tag + " (call #" + call
                        + ") to " + listener.describe(peerOf(write.channel())) + " within " + timeoutMillis + " ms");
            }
            if (!write.isSuccess()) {
                throw new ExchangeException("rank " + rank() + " failed to send " + tag + " (call #" + call + ") to "
                        + listener.describe(peerOf(write.channel())) + ": " + write.cause(), write.cause());
            }
        }
        return incoming;
    }

    private int peerOf(Channel channel) {
        for (int peer = 0; peer < outbound.length; peer++) {
            if (outbound[peer] == channel) {
                return peer;
            }
        }
        return -1;
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (Channel channel : outbound) {
            if (channel != null) {
                channel.close().awaitUninterruptibly();
            }
        }
        listener.close();
    }
}
