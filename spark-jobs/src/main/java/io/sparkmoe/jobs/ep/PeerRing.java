package io.sparkmoe.jobs.ep;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;

/**
 * A connectivity check among the ranks: each rank connects to the next rank's announced port (rank {@code N-1} to
 * rank 0) and proves with the run's secret who it is; each rank accepts one connection on its own listener and
 * verifies that the previous rank sent it. It shows that the ports gathered in the barrier are reachable from the
 * other executors and that every rank got the same secret, before anything heavier runs over them.
 *
 * <p>The proof is {@code HMAC-SHA256(secret, "sparkmoe-ring <from> -> <to>")} after the sender's rank (4 bytes): it
 * reveals nothing about the secret and cannot be replayed toward another rank.
 */
final class PeerRing {

    private static final int MAC_BYTES = 32;

    private PeerRing() {
    }

    /**
     * Runs the check on this rank; throws naming the peer when a connection, the sender or the proof is wrong.
     *
     * @param connectTimeoutMs {@code cluster.exchange.connect-timeout-ms}
     * @param readTimeoutMs    {@code cluster.exchange.read-timeout-ms}, also the wait for the previous rank
     */
    static void check(RankContext ctx, int connectTimeoutMs, int readTimeoutMs) throws IOException {
        int n = ctx.ranks();
        int rank = ctx.rank();
        Peer next = ctx.peers().get((rank + 1) % n);
        int previous = (rank + n - 1) % n;
        // Connect and send first: the peer's kernel completes the connection before it accepts, so no rank waits here.
        try (Socket out = new Socket()) {
            try {
                out.connect(new InetSocketAddress(next.host(), next.port()), connectTimeoutMs);
            } catch (IOException e) {
                throw new IOException("rank " + rank + " could not connect to rank " + next.rank() + " at "
                        + next.host() + ":" + next.port() + " within " + connectTimeoutMs + " ms: " + e.getMessage(), e);
            }
            DataOutputStream data = new DataOutputStream(out.getOutputStream());
            data.writeInt(rank);
            data.write(proof(ctx.secret(), rank, next.rank()));
            data.flush();
            ctx.listener().socket().setSoTimeout(readTimeoutMs);
            try (Socket in = ctx.listener().socket().accept()) {
                in.setSoTimeout(readTimeoutMs);
                DataInputStream received = new DataInputStream(in.getInputStream());
                int from = received.readInt();
                byte[] mac = received.readNBytes(MAC_BYTES);
                if (from != previous) {
                    throw new IOException("rank " + rank + " expected rank " + previous + " to connect, but a peer"
                            + " from " + in.getRemoteSocketAddress() + " said it is rank " + from);
                }
                if (!MessageDigest.isEqual(mac, proof(ctx.secret(), from, rank))) {
                    throw new IOException("rank " + rank + ": the proof from rank " + from + " (" + in.getRemoteSocketAddress()
                            + ") does not match this rank's secret: one of the two does not hold this run's secret");
                }
            } catch (SocketTimeoutException e) {
                throw new IOException("rank " + rank + " heard nothing from rank " + previous + " within " + readTimeoutMs
                        + " ms (cluster.exchange.read-timeout-ms)", e);
            }
        }
    }

    static byte[] proof(byte[] secret, int from, int to) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret, "HmacSHA256"));
            return mac.doFinal(("sparkmoe-ring " + from + " -> " + to).getBytes(StandardCharsets.UTF_8));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is part of every JDK", e);
        }
    }
}
