package io.sparkmoe.inference.bench;

import java.util.List;
import java.util.Optional;

import io.sparkmoe.conf.ConfigLoader;
import io.sparkmoe.conf.SparkMoeConfig;
import io.sparkmoe.inference.Sampler;
import io.sparkmoe.inference.TextGenerator;
import io.sparkmoe.model.MoeTransformer;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * Tokens per second of greedy generation with and without the key/value cache, on a preset's model shape (random
 * weights: the work per token does not depend on them). A plain {@code main}, not a test:
 * {@code GenerationBenchmark PRESET [NEW_TOKENS]}; the prompt is 8 tokens, each variant runs twice (the first warms the
 * JIT up) and the second is reported, with whether both produced the same ids.
 */
public final class GenerationBenchmark {

    private GenerationBenchmark() {
    }

    public static void main(String[] args) {
        String preset = args.length > 0 ? args[0] : "tiny";
        int newTokens = args.length > 1 ? Integer.parseInt(args[1]) : 200;
        SparkMoeConfig config = ConfigLoader.load(Optional.empty(), List.of("preset=" + preset)).config();
        int vocab = config.model().vocabSize().orElse(config.data().tokenizer().vocabSize());
        MoeTransformer model = new MoeTransformer(config.model(), config.routing(), vocab, DataType.FLOAT,
                config.run().seed());
        model.setTraining(false);
        int context = config.model().seqLen();
        int[] prompt = {1, 2, 3, 4, 5, 6, 7, 8};
        int[][] ids = new int[2][];
        double[] rate = new double[2];
        for (int round = 0; round < 2; round++) {
            for (int variant = 0; variant < 2; variant++) {
                TextGenerator generator = new TextGenerator(model, vocab, context, variant == 0);
                long start = System.nanoTime();
                ids[variant] = generator.generate(prompt, newTokens, new Sampler(new Sampler.Settings(0, 0, 1, 1)), -1);
                rate[variant] = newTokens / ((System.nanoTime() - start) / 1e9);
            }
        }
        System.out.printf("preset=%s (d=%d, layers=%d, seq_len=%d, router=%s, capacity=%s) %d new tokens after %d: "
                        + "cache %.1f tokens/s, no cache %.1f tokens/s (x%.1f), same ids: %b%n", preset,
                config.model().hiddenSize(), config.model().layers(), context, config.routing().router(),
                config.routing().capacity(), newTokens, prompt.length, rate[0], rate[1], rate[0] / rate[1],
                java.util.Arrays.equals(ids[0], ids[1]));
    }
}
