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

    /** Rotates, in place, rows of {@code [N, d]} (row-major) whose position is {@code row % seqLen}. */
    public void rotate(double[] x, int rows, int seqLen, int d) {
        apply(x, rows, seqLen, d, 1);
    }

    /** The backward (transpose) of {@link #rotate}, in place on the gradient. */
    public void rotateBack(double[] dx, int rows, int seqLen, int d) {
        apply(dx, rows, seqLen, d, -1);
    }

    private void apply(double[] x, int rows, int seqLen, int d, int sign) {
        int half = headDim / 2;
        tables(seqLen);
        for (int row = 0; row < rows; row++) {
            int pos = row % seqLen;
            for (int i = 0; i < half; i++) {
                double c = cos[pos * half + i];
                double s = sign * sin[pos * half + i];
                for (int h0 = 0; h0 < d; h0 += headDim) {
                    int a = row * d + h0 + i;
                    int b = a + half;
                    double x1 = x[a];
                    double x2 = x[b];
                    x[a] = x1 * c - x2 * s;
                    x[b] = x2 * c + x1 * s;
                }
            }
        }
    }

    /** cos and sin of {@code pos·θ_i} for positions below seqLen (computed once per length). */
    private void tables(int seqLen) {
        int half = headDim / 2;
        if (cos.length == seqLen * half) {
            return;
        }
        cos = new double[seqLen * half];
        sin = new double[seqLen * half];
        for (int pos = 0; pos < seqLen; pos++) {
            for (int i = 0; i < half; i++) {
                double angle = pos * Math.pow(base, -2.0 * i / headDim);
                cos[pos * half + i] = Math.cos(angle);
                sin[pos * half + i] = Math.sin(angle);
            }
        }
    }
}
