package io.sparkmoe.parallel;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;

import io.sparkmoe.model.Parameters;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The replicated part of one rank's {@link Parameters}: every learned tensor except the routed experts', in the
 * store's order (the same on every rank). Its gradients and values move as one flat float32 array, so keeping the
 * replicas equal costs one all-reduce per step (or per averaging), and its {@link #hash} tells whether they are.
 */
final class Replicas {

    private final Parameters params;
    private final List<String> names;
    private final int size;

    Replicas(Parameters params) {
        this.params = params;
        this.names = params.names().stream().filter(n -> !ExpertShards.isExpertTensor(n)).toList();
        long total = 0;
        for (String name : names) {
            total += params.value(name).length();
        }
        this.size = Math.toIntExact(total);
    }

    boolean contains(String name) {
        return !ExpertShards.isExpertTensor(name) && params.contains(name);
    }

    /** The gradients, concatenated. */
    float[] gradients() {
        return flatten(true);
    }

    /** Overwrites the gradients with {@code values · scale}. */
    void setGradients(float[] values, float scale) {
        unflatten(values, scale, true);
    }

    /** The values, concatenated. */
    float[] values() {
        return flatten(false);
    }

    /** Overwrites the values with {@code values · scale}. */
    void setValues(float[] values, float scale) {
        unflatten(values, scale, false);
    }

    /** SHA-256 (first 16 hex digits) of the names and the values' float32 bits: equal iff the replicas are. */
    String hash() {
        MessageDigest sha;
        try {
            sha = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        for (String name : names) {
            sha.update(name.getBytes(StandardCharsets.UTF_8));
            float[] v = params.value(name).dup('c').data().asFloat();
            ByteBuffer bytes = ByteBuffer.allocate(v.length * 4);
            bytes.asFloatBuffer().put(v);
            sha.update(bytes.array());
        }
        return HexFormat.of().formatHex(sha.digest()).substring(0, 16);
    }

    private float[] flatten(boolean gradients) {
        float[] out = new float[size];
        int at = 0;
        for (String name : names) {
            INDArray a = gradients ? params.gradient(name) : params.value(name);
            float[] v = a.dup('c').data().asFloat();
            System.arraycopy(v, 0, out, at, v.length);
            at += v.length;
        }
        return out;
    }

    private void unflatten(float[] values, float scale, boolean gradients) {
        if (values.length != size) {
            throw new IllegalArgumentException("replicated tensors hold " + size + " values, got " + values.length);
        }
        int at = 0;
        for (String name : names) {
            INDArray a = gradients ? params.gradient(name) : params.value(name);
            int n = (int) a.length();
            float[] part = new float[n];
            for (int i = 0; i < n; i++) {
                part[i] = values[at + i] * scale;
            }
            a.assign(Nd4j.createFromArray(part).reshape('c', a.shape()).castTo(a.dataType()));
            at += n;
        }
    }
}
