package io.sparkmoe.jobs.model;

import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;

/**
 * A double written the way Python's {@code json.dumps} writes a float ({@code float.__repr__}): the shortest decimal
 * that reads back to the same double, in positional notation when the decimal exponent is in [-4, 16) ({@code 0.0001},
 * {@code 123456789.0}) and in scientific notation otherwise ({@code 1e-05}, {@code 1.2345e+16}). So {@code score}
 * prints the same text as the PyTorch reference's {@code logits}, not just the same values: Java's
 * {@code Double.toString} differs in notation ({@code 1.0E-5}) and, before JDK 19, is not always the shortest.
 */
public final class PythonFloat {

    private PythonFloat() {
    }

    public static String repr(double v) {
        if (Double.isNaN(v)) {
            return "NaN";
        }
        if (Double.isInfinite(v)) {
            return v > 0 ? "Infinity" : "-Infinity";
        }
        if (v == 0) {
            return 1 / v < 0 ? "-0.0" : "0.0";
        }
        BigDecimal shortest = shortest(v);
        String digits = shortest.unscaledValue().abs().toString();
        int exponent = digits.length() - 1 - shortest.scale(); // v = d.ddd × 10^exponent
        digits = digits.replaceAll("0+$", "");
        if (digits.isEmpty()) {
            digits = "0";
        }
        String sign = v < 0 ? "-" : "";
        if (exponent >= -4 && exponent < 16) {
            return sign + positional(digits, exponent);
        }
        String mantissa = digits.length() == 1 ? digits : digits.charAt(0) + "." + digits.substring(1);
        String exp = String.format("%02d", Math.abs(exponent));
        return sign + mantissa + "e" + (exponent < 0 ? "-" : "+") + exp;
    }

    private static String positional(String digits, int exponent) {
        if (exponent < 0) {
            return "0." + "0".repeat(-exponent - 1) + digits;
        }
        if (digits.length() <= exponent + 1) {
            return digits + "0".repeat(exponent + 1 - digits.length()) + ".0";
        }
        return digits.substring(0, exponent + 1) + "." + digits.substring(exponent + 1);
    }

    /**
     * The shortest decimal that parses back to v; among those of that length the one nearest v. Both neighbours at
     * each precision are tried, because next to a power of two the gap below v is half the gap above it, so the
     * nearest p-digit decimal may miss while the other one reads back.
     */
    private static BigDecimal shortest(double v) {
        BigDecimal exact = new BigDecimal(v);
        for (int p = 1; p <= 17; p++) {
            BigDecimal down = exact.round(new MathContext(p, RoundingMode.DOWN));
            BigDecimal up = exact.round(new MathContext(p, RoundingMode.UP));
            boolean downOk = down.doubleValue() == v;
            boolean upOk = up.doubleValue() == v;
            if (downOk && upOk) {
                return exact.subtract(down).abs().compareTo(up.subtract(exact).abs()) <= 0 ? down : up;
            }
            if (downOk || upOk) {
                return downOk ? down : up;
            }
        }
        return exact.round(new MathContext(17, RoundingMode.HALF_EVEN));
    }
}
