package io.sparkmoe.inference;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import io.sparkmoe.model.Parameters;
import io.sparkmoe.model.io.ModelFileException;
import io.sparkmoe.model.io.NativeModel;
import io.sparkmoe.routing.scores.Arrays2;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The learned router: its analytic gradient against central finite differences (with and without the hidden
 * layer), training on separable data (each cluster draws its prefix tokens from its own part of the vocabulary,
 * with shared noise tokens), and its files round trip.
 */
class LearnedRouterTest {

    static final int VOCAB = 12;
    static final int CLUSTERS = 3;

    @TempDir
    Path dir;

    /** Prefixes of {@code length} tokens: cluster c draws 3/4 of them from {c·3 … c·3+2}, the rest from {9, 10, 11}. */
    static List<int[]> prefixes(int n, int length, int[] labels, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        List<int[]> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int c = random.nextInt(CLUSTERS);
            labels[i] = c;
            int[] p = new int[length];
            for (int t = 0; t < length; t++) {
                p[t] = random.nextInt(4) < 3 ? c * 3 + random.nextInt(3) : 9 + random.nextInt(3);
            }
            out.add(p);
        }
        return out;
    }

    @Test
    void gradientMatchesFiniteDifferences() {
        for (int hidden : new int[]{0, 5}) {
            LearnedRouter router = LearnedRouter.initialized(new LearnedRouter.Shape(VOCAB, 4, hidden, CLUSTERS, 3), 11);
            int[] labels = new int[6];
            // prefixes longer than the router reads: the extra tokens must get no gradient
            List<int[]> x = prefixes(6, 5, labels, 2);
            Parameters p = router.parameters();
            p.zeroGradients();
            router.loss(x, labels, true);
            double h = 1e-6;
            for (String name : p.names()) {
                double[] value = Arrays2.toDoubles(p.value(name));
                double[] analytic = Arrays2.toDoubles(p.gradient(name));
                for (int i = 0; i < value.length; i++) {
                    double saved = value[i];
                    value[i] = saved + h;
                    p.load(name, value);
                    double up = router.loss(x, labels, false);
                    value[i] = saved - h;
                    p.load(name, value);
                    double down = router.loss(x, labels, false);
                    value[i] = saved;
                    p.load(name, value);
                    double numeric = (up - down) / (2 * h);
                    assertEquals(numeric, analytic[i], 1e-7 + 1e-5 * Math.abs(numeric),
                            "hidden " + hidden + " " + name + "[" + i + "]");
                }
            }
        }
    }

    @Test
    void weightsAreADistributionAndReadOnlyThePrefix() {
        LearnedRouter router = LearnedRouter.initialized(new LearnedRouter.Shape(VOCAB, 4, 3, CLUSTERS, 2), 5);
        double[] w = router.weights(new int[]{1, 2, 7, 8});
        double sum = 0;
        for (double v : w) {
            assertTrue(v > 0);
            sum += v;
        }
        assertEquals(1.0, sum, 1e-12);
        assertArrayEquals(w, router.weights(new int[]{1, 2, 0, 11}));
        assertThrows(IllegalArgumentException.class, () -> router.weights(new int[]{VOCAB}));
    }

    @Test
    void trainingOnSeparableClustersLowersTheLossAndBeatsChance() {
        int[] trainLabels = new int[300];
        List<int[]> train = prefixes(300, 4, trainLabels, 1);
        int[] testLabels = new int[150];
        List<int[]> test = prefixes(150, 4, testLabels, 99);
        LearnedRouter router = LearnedRouter.initialized(new LearnedRouter.Shape(VOCAB, 8, 8, CLUSTERS, 4), 3);
        double before = router.loss(test, testLabels, false);
        LearnedRouterTraining.Result r = LearnedRouterTraining.train(router, train, trainLabels,
                new LearnedRouterTraining.Settings(150, 32, 0.05, 0.0, 7));
        double after = router.loss(test, testLabels, false);
        assertTrue(r.last() < r.first() / 2, r.first() + " -> " + r.last());
        assertTrue(after < before / 2, before + " -> " + after);
        double accuracy = router.correct(test, testLabels) / 150.0;
        // chance is 1/3; 3 of 4 tokens carry the cluster, so the mean-pooled prefix separates them
        assertTrue(accuracy > 0.9, "held-out accuracy " + accuracy);
    }

    @Test
    void filesRoundTripAndBadFilesAreNamed() {
        LearnedRouter router = LearnedRouter.initialized(new LearnedRouter.Shape(VOCAB, 4, 3, CLUSTERS, 2), 8);
        Map<String, byte[]> files = router.files(Map.of("train_accuracy", 0.5));
        NativeModel.writeDirectory(dir.resolve("router"), files);
        LearnedRouter back = LearnedRouter.load(dir.resolve("router"));
        assertEquals(router.shape(), back.shape());
        int[] prefix = {3, 4, 5};
        assertArrayEquals(router.weights(prefix), back.weights(prefix));

        Map<String, byte[]> bad = new java.util.LinkedHashMap<>(files);
        bad.put(LearnedRouter.CONFIG, "{\"format\": \"sparkmoe-learned-router\", \"vocab_size\": 12, \"dim\": 5,"
                .concat("\"hidden\": 3, \"experts\": 3, \"prefix_tokens\": 2}").getBytes());
        NativeModel.writeDirectory(dir.resolve("bad"), bad);
        ModelFileException e = assertThrows(ModelFileException.class, () -> LearnedRouter.load(dir.resolve("bad")));
        assertTrue(e.getMessage().contains(LearnedRouter.WEIGHTS) && e.getMessage().contains(LearnedRouter.EMBED),
                e.getMessage());
    }
}
