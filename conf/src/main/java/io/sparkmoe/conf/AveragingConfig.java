package io.sparkmoe.conf;

import java.util.List;

import static io.sparkmoe.conf.Key.atLeast;

/**
 * Section {@code train.averaging}: how the replicated (non-expert) parameters stay consistent across ranks.
 *
 * @param mode  {@code all-reduce}: gradients are averaged every step; {@code periodic}: each rank steps
 *              on its own and the ranks average the parameters every {@code every} steps (an all-reduce), then
 *              check through the driver that every replica hashes the same
 * @param every steps between parameter averagings, for {@code periodic}
 */
public record AveragingConfig(String mode, int every) {

    public static final List<String> MODES = List.of("all-reduce", "periodic");

    static final Key<String> MODE = Key.required("train.averaging.mode", ValueType.choice(MODES), "all-reduce",
            "all-reduce (gradients every step) or periodic (ranks average parameters every n steps)");
    static final Key<Integer> EVERY = Key.required("train.averaging.every", ValueType.integer(), 10,
            "Steps between parameter averagings in periodic mode").must(atLeast(1), ">= 1");

    static AveragingConfig read(ConfigReader r) {
        return new AveragingConfig(r.get(MODE), r.get(EVERY));
    }
}
