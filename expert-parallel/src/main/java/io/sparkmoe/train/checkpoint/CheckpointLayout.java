package io.sparkmoe.train.checkpoint;

import java.util.OptionalInt;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The names inside a run's {@code checkpoints/} directory (DESIGN.md, "Run directory"): one directory
 * {@code step-%08d} per checkpoint holding, for each rank, {@code model-rank%05d.safetensors} (learned tensors and
 * buffers under their global names) and {@code optimizer-rank%05d.safetensors} (AdamW's moments), then
 * {@code state.json}, {@code checksums.json} and, last, the {@code _COMMITTED} marker. A checkpoint is assembled
 * under {@code _tmp-step-%08d} and renamed; names starting with {@code _} are hidden from Hadoop's input listings.
 */
public final class CheckpointLayout {

    /** The checkpoints' directory inside a run directory. */
    public static final String DIR = io.sparkmoe.conf.CheckpointConfig.CHECKPOINTS;
    public static final String STATE = "state.json";
    public static final String CHECKSUMS = "checksums.json";
    /** Written last, after the rename: its presence is what makes a checkpoint visible. */
    public static final String COMMITTED = "_COMMITTED";

    private static final Pattern STEP = Pattern.compile("step-(\\d{8,})");
    private static final String TEMPORARY = "_tmp-";

    private CheckpointLayout() {
    }

    /** {@code step-%08d}. */
    public static String name(int step) {
        return String.format("step-%08d", step);
    }

    /** Where the checkpoint of {@code step} is assembled before its rename. */
    static String temporaryName(int step) {
        return TEMPORARY + name(step);
    }

    public static String modelFile(int rank) {
        return String.format("model-rank%05d.safetensors", rank);
    }

    public static String optimizerFile(int rank) {
        return String.format("optimizer-rank%05d.safetensors", rank);
    }

    /** The step of a checkpoint directory's name, or empty for any other name (temporary ones included). */
    public static OptionalInt stepOf(String directoryName) {
        Matcher m = STEP.matcher(directoryName);
        return m.matches() ? OptionalInt.of(Integer.parseInt(m.group(1))) : OptionalInt.empty();
    }

    /** The step a temporary directory was assembling, or empty. */
    static OptionalInt temporaryStepOf(String directoryName) {
        return directoryName.startsWith(TEMPORARY) ? stepOf(directoryName.substring(TEMPORARY.length()))
                : OptionalInt.empty();
    }
}
