package io.sparkmoe.inference;

import java.util.Arrays;
import java.util.Comparator;
import java.util.SplittableRandom;
import java.util.stream.IntStream;

/**
 * Picks the next token from a row of logits. Temperature 0 is greedy (the largest logit, the lower id on a tie);
 * otherwise the logits are divided by the temperature, cut to the {@code topK} largest (0 = no cut), turned into
 * probabilities, cut again to the smallest set of most probable tokens whose probability reaches {@code topP}
 * (nucleus sampling; 1 = no cut), renormalised and sampled. The draws come from one seeded generator, so the same
 * seed, model and prompt give the same text.
 */
public final class Sampler {

    /**
     * How to sample.
     *
     * @param temperature ≥ 0; 0 = greedy
     * @param topK        keep the k most likely tokens; 0 = all
     * @param topP        in (0, 1]: keep the smallest most-likely set with this much probability; 1 = all
     * @param seed        the generator's seed
     */
    public record Settings(double temperature, int topK, double topP, long seed) {

        public Settings {
            if (!(temperature >= 0) || Double.isInfinite(temperature)) {
                throw new IllegalArgumentException("temperature must be >= 0 (0 = greedy), got " + temperature);
            }
            if (topK < 0) {
                throw new IllegalArgumentException("top-k must be >= 0 (0 = no limit), got " + topK);
            }
            if (!(topP > 0 && topP <= 1)) {
                throw new IllegalArgumentException("top-p must be in (0, 1] (1 = no limit), got " + topP);
            }
        }

        public static Settings greedy() {
            return new Settings(0, 0, 1, 0);
        }
    }

    private final Settings settings;
    private final SplittableRandom random;

    public Sampler(Settings settings) {
        this.settings = settings;
        this.random = new SplittableRandom(settings.seed());
    }

    /** The next token id. */
    public int next(double[] logits) {
        if (settings.temperature() == 0) {
            return argmax(logits);
        }
        double[] p = distribution(logits);
        double u = random.nextDouble();
        double cumulative = 0;
        int last = -1;
        for (int i = 0; i < p.length; i++) {
            if (p[i] > 0) {
                cumulative += p[i];
                last = i;
                if (u < cumulative) {
                    return i;
                }
            }
        }
        return last;    // u fell in the round-off beyond the last cumulative sum
    }

    /** The probabilities {@link #next} samples from (temperature > 0): zero outside the top-k and top-p sets. */
    public double[] distribution(double[] logits) {
        double t = settings.temperature() == 0 ? 1 : settings.temperature();
        Integer[] order = IntStream.range(0, logits.length).boxed().toArray(Integer[]::new);
        Arrays.sort(order, Comparator.comparingDouble((Integer i) -> -logits[i]));    // stable: lower id first on ties
        int kept = settings.topK() == 0 ? logits.length : Math.min(settings.topK(), logits.length);
        double max = logits[order[0]] / t;
        double[] p = new double[logits.length];
        double sum = 0;
        for (int r = 0; r < kept; r++) {
            int i = order[r];
            p[i] = Math.exp(logits[i] / t - max);
            sum += p[i];
        }
        double cumulative = 0;
        int nucleus = 0;
        while (nucleus < kept && cumulative < settings.topP() * sum) {
            cumulative += p[order[nucleus]];
            nucleus++;
        }
        for (int r = nucleus; r < kept; r++) {
            p[order[r]] = 0;
        }
        for (int r = 0; r < nucleus; r++) {
            p[order[r]] /= cumulative;
        }
        return p;
    }

    /** The index of the largest value; the lowest index among equal ones. */
    public static int argmax(double[] v) {
        int best = 0;
        for (int i = 1; i < v.length; i++) {
            if (v[i] > v[best]) {
                best = i;
            }
        }
        return best;
    }
}
