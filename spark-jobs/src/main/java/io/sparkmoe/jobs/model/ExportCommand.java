package io.sparkmoe.jobs.model;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

import io.sparkmoe.jobs.cli.Command;
import io.sparkmoe.jobs.cli.CommandOption;
import io.sparkmoe.jobs.cli.Invocation;
import io.sparkmoe.jobs.cli.UsageException;
import io.sparkmoe.jobs.decentralized.Ensemble;
import io.sparkmoe.model.io.ExportLayout;
import io.sparkmoe.model.io.LoadedModel;
import io.sparkmoe.model.io.NativeModel;

/** {@code sparkmoe export}: writes a model directory in the native layout or the public layout it fits. */
public final class ExportCommand implements Command {

    @Override
    public String name() {
        return "export";
    }

    @Override
    public String summary() {
        return "write a model in the native, Mixtral, Qwen2-MoE or Llama layout";
    }

    @Override
    public String description() {
        return """
                Reads the model directory (any layout) and writes config.json, model.safetensors (float32) and
                tokenizer.json to a new directory (written beside it and renamed into place; an existing non-empty
                directory is refused). --layout auto (the default) picks llama for a dense model, else mixtral
                (router topk with normalize, every layer MoE, no shared experts), else qwen2-moe (topk or switch,
                none or one gated shared expert), else native. A layout the model does not fit is refused with the
                reason. See docs/export.md.

                --ensemble DIR (instead of --model) exports a decentralized run: experts/expert-NNN/ (each in the
                layout auto picks: llama for the dense experts), router/ (the learned router, if train-router
                wrote one), centroids.json (the centroid router's, from data.output/clusters) and an ensemble.json
                manifest with router.prefix-tokens and router.temperature; generate --ensemble reads it back.
                """ + ModelCommands.NO_SPARK;
    }

    @Override
    public List<CommandOption> options() {
        return List.of(ModelCommands.MODEL,
                new CommandOption("ensemble", "DIR", "a train-decentralized run to export whole, instead of --model"),
                new CommandOption("out", "DIR", "the new model directory"),
                new CommandOption("layout", "NAME", String.join("|", ExportLayout.NAMES) + " (default auto)"));
    }

    @Override
    public int run(Invocation inv) throws IOException {
        Path out = Path.of(inv.requiredOption("out", "DIR"));
        if (inv.option("ensemble").isPresent()) {
            if (inv.option(ModelCommands.MODEL.name()).isPresent() || inv.option("layout").isPresent()) {
                throw new UsageException("--ensemble takes neither --model nor --layout (each expert gets the layout"
                        + " auto picks)");
            }
            Ensemble ensemble = Ensemble.load(inv.config().config(), Path.of(inv.option("ensemble").get()));
            ensemble.export(out);
            inv.out().println("exported the ensemble of " + ensemble.experts().size() + " experts ("
                    + (ensemble.hasLearnedRouter() ? "learned router and centroids" : "centroids only") + ") to " + out);
            return 0;
        }
        String name = inv.option("layout").orElse("auto");
        if (!ExportLayout.NAMES.contains(name)) {
            throw new UsageException("--layout must be one of " + String.join(", ", ExportLayout.NAMES) + ", got '"
                    + name + "'");
        }
        LoadedModel m = ModelCommands.load(inv);
        ExportLayout layout = ExportLayout.choose(name, m.config());
        Optional<String> misfit = layout.misfit(m.config());
        if (misfit.isPresent()) {
            throw new UsageException(misfit.get() + " (--layout auto picks a layout that fits)");
        }
        NativeModel.export(out, m.model(), m.config(), m.tokenizer().orElse(null), layout);
        inv.out().println("exported " + m.dir() + " (" + m.layout().name() + ") to " + out + " in the " + layout.name()
                + " layout" + (m.tokenizer().isPresent() ? "" : " (no tokenizer.json: the source has none)"));
        return 0;
    }
}
