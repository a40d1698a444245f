package io.sparkmoe.model;

/**
 * Rotary position embedding, "rotate half" convention (MODEL.md): per head, with {@code x = [x1, x2]} halves and
 * {@code θ_i = base^(-2i/hd)}, {@code y1 = x1·c − x2·s}, {@code y2 = x2·c + x1·s} at angle {@code pos·θ_i}. Each pair is
 * a plane rotation, so the backward is the rotation by the opposite angle ({@code s → −s}).
 */
public final class Rope {

    private final int headDim;
    private final double base;
    private double[] cos = new double[0];
    private double[] sin = new double[0];

    public Rope(int headDim, double base) {
        if (headDim % 2 != 0) {
            throw new IllegalArgumentException("head dimension must be even, got " + headDim);
        }
        this.headDim = headDim;
        this.base = base;
    }

    /**
     * Rotates, in place, activations laid out per sequence, feature-major ({@link SequenceColumns}: {@code [B][d][T]},
     * so feature j of sequence b is the T positions from {@code (b·d + j)·T} on).
     */
    public void rotateSequences(double[] x, int sequences, int seqLen, int d) {
        apply(x, sequences, seqLen, d, 1, 0);
    }

    /**
     * As {@link #rotateSequences} for one sequence of {@code n} positions starting at absolute position
     * {@code firstPosition} (the key/value cache's new tokens): the same rotation, so cached and full forwards agree.
     */
    public void rotateFrom(double[] x, int n, int d, int firstPosition) {
        apply(x, 1, n, d, 1, firstPosition);
    }

    /** The backward (transpose) of {@link #rotateSequences}, in place on the gradient. */
    public void rotateSequencesBack(double[] dx, int sequences, int seqLen, int d) {
        apply(dx, sequences, seqLen, d, -1, 0);
    }

    private void apply(double[] x, int sequences, int seqLen, int d, int sign, int firstPosition) {
        int half = headDim / 2;
        int positions = tables(firstPosition + seqLen);
        for (int b = 0; b < sequences; b++) {
            for (int h0 = 0; h0 < d; h0 += headDim) {
                for (int i = 0; i < half; i++) {
                    int a = (b * d + h0 + i) * seqLen;       // x1 at position t: x[a + t]; its partner x2: x[c + t]
                    int c = a + half * seqLen;
                    int table = i * positions + firstPosition;
                    for (int t = 0; t < seqLen; t++) {
                        double cs = cos[table + t];
                        double sn = sign * sin[table + t];
                        double x1 = x[a + t];
                        double x2 = x[c + t];
                        x[a + t] = x1 * cs - x2 * sn;
                        x[c + t] = x2 * cs + x1 * sn;
                    }
                }
            }
        }
    }

    /**
     * cos and sin of {@code pos·θ_i} at {@code [i·P + pos]}, positions below P (once per length; a longer table serves
     * shorter lengths too). Returns P.
     */
    private int tables(int seqLen) {
        int half = headDim / 2;
        if (cos.length >= seqLen * half) {
            return cos.length / half;
        }
        cos = new double[seqLen * half];
        sin = new double[seqLen * half];
        for (int pos = 0; pos < seqLen; pos++) {
            for (int i = 0; i < half; i++) {
                double angle = pos * Math.pow(base, -2.0 * i / headDim);
                cos[i * seqLen + pos] = Math.cos(angle);
                sin[i * seqLen + pos] = Math.sin(angle);
            }
        }
        return seqLen;
    }
}
