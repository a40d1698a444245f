package io.sparkmoe.exchange;

import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Arrays;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The proofs of the connection handshake: HMAC-SHA256 under the run's secret over both ranks and both fresh
 * nonces, with a different label for each direction. Each side proves it knows the secret without sending it,
 * a recorded proof is useless for another connection (new nonces), and a client's proof cannot be reflected back
 * as a server's (different label).
 */
final class Handshake {

    /** Bytes of a nonce. */
    static final int NONCE_BYTES = 32;
    /** Bytes of a proof (HMAC-SHA256). */
    static final int PROOF_BYTES = 32;
    /** The shortest secret accepted. */
    static final int MIN_SECRET_BYTES = 16;

    private static final SecureRandom RANDOM = new SecureRandom();

    private final byte[] secret;

    Handshake(byte[] secret) {
        if (secret == null || secret.length < MIN_SECRET_BYTES) {
            throw new IllegalArgumentException("the exchange secret must have at least " + MIN_SECRET_BYTES
                    + " bytes, got " + (secret == null ? "none" : secret.length));
        }
        this.secret = secret.clone();
    }

    /** A fresh random secret for one run (the driver makes one and hands it to every rank). */
    static byte[] newSecret() {
        byte[] secret = new byte[32];
        RANDOM.nextBytes(secret);
        return secret;
    }

    static byte[] nonce() {
        byte[] nonce = new byte[NONCE_BYTES];
        RANDOM.nextBytes(nonce);
        return nonce;
    }

    /** The server's proof to the client that dialled it. */
    byte[] serverProof(int client, int server, byte[] clientNonce, byte[] serverNonce) {
        return mac("sparkmoe-exchange-v1 server", client, server, clientNonce, serverNonce);
    }

    /** The client's proof to the server it dialled. */
    byte[] clientProof(int client, int server, byte[] clientNonce, byte[] serverNonce) {
        return mac("sparkmoe-exchange-v1 client", client, server, clientNonce, serverNonce);
    }

    /** Constant-time comparison of a received proof with the expected one. */
    static boolean matches(byte[] expected, byte[] received) {
        return MessageDigest.isEqual(expected, received);
    }

    static byte[] concat(byte[] a, byte[] b) {
        byte[] both = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, both, a.length, b.length);
        return both;
    }

    private byte[] mac(String label, int client, int server, byte[] clientNonce, byte[] serverNonce) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret, "HmacSHA256"));
            mac.update(label.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            mac.update(ByteBuffer.allocate(8).putInt(client).putInt(server).array());
            mac.update(clientNonce);
            mac.update(serverNonce);
            return mac.doFinal();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is not available in this JVM", e);
        }
    }
}
