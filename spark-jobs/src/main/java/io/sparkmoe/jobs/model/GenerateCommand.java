package io.sparkmoe.jobs.model;

import java.util.Arrays;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

import io.sparkmoe.data.bpe.Encoder;
import io.sparkmoe.data.bpe.Tokenizer;
import io.sparkmoe.inference.EnsembleEvaluation;
import io.sparkmoe.inference.EnsembleScores;
import io.sparkmoe.inference.Sampler;
import io.sparkmoe.inference.TextGenerator;
import io.sparkmoe.jobs.cli.Command;
import io.sparkmoe.jobs.cli.CommandOption;
import io.sparkmoe.jobs.cli.Invocation;
import io.sparkmoe.jobs.cli.UsageException;
import io.sparkmoe.jobs.decentralized.Ensemble;
import io.sparkmoe.model.io.LoadedModel;

/**
 * {@code sparkmoe generate}: continues a prompt. The prompt is encoded with the model's tokenizer after an
 * end-of-text token, since in the prepared shards every document follows one; generation stops at the next
 * end-of-text or after {@code --max-tokens}.
 */
public final class GenerateCommand implements Command {

    @Override
    public String name() {
        return "generate";
    }

    @Override
    public String summary() {
        return "continue a text prompt (greedy or temperature / top-k / top-p sampling)";
    }

    @Override
    public String description() {
        return """
                Encodes --prompt with the model directory's tokenizer.json and prints the prompt followed by up to
                --max-tokens generated tokens (stopping at end-of-text). --temperature 0 is greedy (argmax);
                otherwise logits are divided by the temperature, cut to the --top-k most likely tokens (0 = all)
                and to the smallest set with --top-p probability (1 = all), then sampled with --seed (default
                run.seed): the same seed gives the same text. The model reads at most its seq_len last tokens.

                --ensemble DIR generates from the experts of a train-decentralized run (or of export --ensemble)
                instead of --model: the router (--router learned|centroid, default learned when the run has one)
                reads the first router.prefix-tokens tokens of the prompt (after its end-of-text token) once, keeps
                the --mode top1|top2|all largest weights renormalised, and every next token is drawn from the
                mixture sum_j w_j p_j of the kept experts' probabilities.
                """ + ModelCommands.NO_SPARK;
    }

    @Override
    public List<CommandOption> options() {
        return List.of(ModelCommands.MODEL,
                new CommandOption("ensemble", "DIR", "a decentralized run or exported ensemble, instead of --model"),
                new CommandOption("mode", "M", "with --ensemble: top1 | top2 | all (default top2)"),
                new CommandOption("router", "NAME", "with --ensemble: learned | centroid | auto (default auto)"),
                new CommandOption("prompt", "TEXT", "the text to continue"),
                new CommandOption("max-tokens", "N", "tokens to generate at most (default 64)"),
                new CommandOption("temperature", "T", "0 = greedy (default 1.0)"),
                new CommandOption("top-k", "K", "sample among the K most likely tokens; 0 = all (default 0)"),
                new CommandOption("top-p", "P", "sample among the smallest set with probability >= P (default 1.0)"),
                new CommandOption("seed", "S", "sampling seed (default run.seed)"),
                new CommandOption("no-cache", null, "recompute the whole window for every token instead of using the "
                        + "key/value cache (same output, slower; to compare)"));
    }

    @Override
    public int run(Invocation inv) throws IOException {
        String prompt = inv.requiredOption("prompt", "TEXT");
        int maxTokens = inv.intOption("max-tokens", 64);
        if (maxTokens < 0) {
            throw new UsageException("--max-tokens must be >= 0, got " + maxTokens);
        }
        Sampler.Settings settings;
        try {
            settings = new Sampler.Settings(inv.doubleOption("temperature", 1.0), inv.intOption("top-k", 0),
                    inv.doubleOption("top-p", 1.0), inv.longOption("seed", inv.config().config().run().seed()));
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
        Optional<String> ensembleDir = inv.option("ensemble");
        Tokenizer tokenizer;
        TextGenerator generator;
        int[] context;
        if (ensembleDir.isPresent()) {
            if (inv.option(ModelCommands.MODEL.name()).isPresent()) {
                throw new UsageException("give --model or --ensemble, not both");
            }
            int k;
            String router = inv.option("router").orElse("auto");
            try {
                k = Ensemble.modeExperts(inv.option("mode").orElse("top2"));
            } catch (IllegalArgumentException e) {
                throw new UsageException(e.getMessage());
            }
            if (!Ensemble.ROUTERS.contains(router)) {
                throw new UsageException("--router must be one of " + String.join(", ", Ensemble.ROUTERS) + ", got '"
                        + router + "'");
            }
            Ensemble ensemble = Ensemble.load(inv.config().config(), Path.of(ensembleDir.get()));
            tokenizer = ensemble.tokenizer();
            context = promptContext(tokenizer, prompt);
            double[] weights = EnsembleEvaluation.topK(ensemble.router(router)
                    .weights(Arrays.copyOf(context, Math.min(context.length, ensemble.prefixTokens()))), k);
            generator = new TextGenerator(new EnsembleScores(ensemble.models(), tokenizer.vocabSize(), weights),
                    ensemble.context());
        } else {
            LoadedModel m = ModelCommands.load(inv);
            tokenizer = ModelCommands.tokenizer(m);
            context = promptContext(tokenizer, prompt);
            generator = new TextGenerator(m.model(), m.config().vocabSize(), m.config().model().seqLen(),
                    !inv.flag("no-cache"));
        }
        Encoder encoder = tokenizer.encoder();
        int[] text = Arrays.copyOfRange(context, 1, context.length);
        int[] generated = generator.generate(context, maxTokens, new Sampler(settings), tokenizer.endOfTextId());
        int[] all = Arrays.copyOf(text, text.length + generated.length);
        System.arraycopy(generated, 0, all, text.length, generated.length);
        inv.out().println(encoder.decode(all));
        return 0;
    }

    /** The prompt's tokens after an end-of-text token, as every document in the prepared shards follows one. */
    private static int[] promptContext(Tokenizer tokenizer, String prompt) {
        int[] text = tokenizer.encoder().encode(prompt);
        int[] context = new int[text.length + 1];
        context[0] = tokenizer.endOfTextId();
        System.arraycopy(text, 0, context, 1, text.length);
        return context;
    }
}
