package io.sparkmoe.routing.capacity;

/**
 * Complementary error function (the JDK has none): the Chebyshev fit of Numerical Recipes ("erfcc"),
 * fractional error below 1.2e-7 everywhere, plenty for a capacity bound that is rounded up to an integer.
 */
public final class Erfc {

    private Erfc() {
    }

    public static double erfc(double x) {
        if (x == 0) {
            return 1.0;   // exact, so that δ = 0 gives exactly C = N/E
        }
        double z = Math.abs(x);
        double t = 1.0 / (1.0 + 0.5 * z);
        double ans = t * Math.exp(-z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418
                + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587
                + t * (-0.82215223 + t * 0.17087277)))))))));
        return x >= 0 ? ans : 2.0 - ans;
    }
}
