package io.sparkmoe.jobs.ep;

/**
 * What one rank of {@code sparkmoe train-ep} reports to the driver: where it ran, which attempt of the ranks' stage
 * finished, and its {@code RankTrainer} result. A plain class with public fields, not the trainer's own result,
 * because Kryo (registration required) serializes this with its field serializer and no nested maps.
 */
public final class RankOutcome {

    public int rank;
    public int attempt;
    public String executorId;
    public String host;
    /** The experts this rank trained (the trainer's layout), ascending. */
    public int[] experts;
    /** The first step this attempt took (after the checkpoint it resumed from). */
    public int firstStep;
    /** The global batch's loss per step of this attempt, equal on every rank. */
    public double[] losses;
    public String replicaHash;
    /** Bytes this rank sent over the attempt: same rank, same node, remote. */
    public long[] bytesByClass;
    public double seconds;

    public RankOutcome() {
    }

    /** The last step's loss, NaN when this attempt took no step. */
    public double finalLoss() {
        return losses.length == 0 ? Double.NaN : losses[losses.length - 1];
    }
}
