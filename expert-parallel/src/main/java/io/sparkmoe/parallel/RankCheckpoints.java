package io.sparkmoe.parallel;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

import io.sparkmoe.conf.CheckpointConfig;
import io.sparkmoe.train.checkpoint.Checkpoint;
import io.sparkmoe.train.checkpoint.CheckpointException;
import io.sparkmoe.train.checkpoint.CheckpointStore;
import io.sparkmoe.train.checkpoint.CheckpointWriter;
import io.sparkmoe.train.checkpoint.Checksums;
import io.sparkmoe.train.checkpoint.TrainingState;
import org.apache.hadoop.fs.Path;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Checkpoints of an expert-parallel run: rank 0 begins the checkpoint's temporary directory, every rank writes its
 * {@code model-rank%05d} (its experts and its replica of everything else) and {@code optimizer-rank%05d}, the digests
 * go to rank 0 through the {@link Coordinator}, and rank 0 commits ({@code _COMMITTED} last) only once every rank has
 * written; no rank goes on before the commit. On resume, rank 0 names the checkpoint ({@code train.resume}) and every
 * rank restores its own files from that one, so the ranks cannot resume from different steps.
 *
 * <p>Every rank saves its replica (not only rank 0), so a resume reads one rank's two files only; the price is
 * N − 1 extra copies of the replicated tensors per checkpoint.
 */
final class RankCheckpoints {

    private static final String OK = "ok";

    private final int rank;
    private final CheckpointStore store;
    private final Coordinator coordinator;

    RankCheckpoints(int rank, CheckpointStore store, Coordinator coordinator) {
        this.rank = rank;
        this.store = store;
        this.coordinator = coordinator;
    }

    /**
     * The checkpoint every rank resumes from, as {@code train.resume} says ({@code none}, {@code latest}: the newest
     * committed one in the store, or a checkpoint directory): rank 0 decides and names it to the others, so all
     * ranks resume from the same step. Collective.
     */
    Optional<Checkpoint> resumePoint(String resume) {
        String mine = "";
        if (rank == 0 && !resume.equals(CheckpointConfig.NONE)) {
            if (resume.equals(CheckpointConfig.LATEST)) {
                mine = store.latest().map(p -> OK + "\t" + p).orElse("train.resume = latest: no committed checkpoint"
                        + " in " + store.dir() + "; start the run again without train.resume");
            } else {
                mine = OK + "\t" + resume;
            }
        }
        String chosen = coordinator.allGather(mine)[0];
        if (chosen.isEmpty()) {
            return Optional.empty();
        }
        String[] f = chosen.split("\t", 2);
        if (!f[0].equals(OK)) {
            throw new CheckpointException("rank " + rank + ": " + chosen);
        }
        return Optional.of(store.open(new Path(f[1])));
    }

    /** Writes this rank's files and, on rank 0, commits; returns what the commit produced (on every rank). Collective. */
    CheckpointWriter.Saved save(TrainingState state, Map<String, INDArray> model, Map<String, INDArray> optimizer) {
        int step = state.step();
        CheckpointWriter writer = null;
        String begun = OK;
        if (rank == 0) {
            try {
                writer = store.begin(step);
            } catch (RuntimeException e) {
                begun = "rank 0 could not begin the checkpoint of step " + step + ": " + e.getMessage();
                coordinator.allGather(begun);
                throw e;
            }
        }
        requireOk(coordinator.allGather(begun), step);
        if (rank != 0) {
            writer = store.join(step);
        }
        String digests = encode(writer.writeRank(rank, model, optimizer));
        String[] all = coordinator.allGather(digests);
        String committed = "";
        if (rank == 0) {
            Map<String, Checksums.Digest> files = new LinkedHashMap<>();
            for (String part : all) {
                files.putAll(decode(part));
            }
            try {
                CheckpointWriter.Saved saved = writer.commit(state, files);
                committed = OK + "\t" + saved.dir() + "\t" + saved.bytes() + "\t" + saved.files() + "\t" + saved.seconds();
            } catch (RuntimeException e) {
                coordinator.allGather("rank 0 could not commit the checkpoint of step " + step + ": " + e.getMessage());
                throw e;
            }
        }
        String result = coordinator.allGather(committed)[0];
        requireOk(new String[]{result.split("\t", 2)[0]}, step);
        String[] f = result.split("\t");
        return new CheckpointWriter.Saved(new Path(f[1]), step, Long.parseLong(f[2]), Integer.parseInt(f[3]),
                Double.parseDouble(f[4]));
    }

    private void requireOk(String[] messages, int step) {
        for (String m : messages) {
            if (!m.isEmpty() && !m.equals(OK)) {
                throw new CheckpointException("rank " + rank + ": checkpoint of step " + step + " abandoned: " + m);
            }
        }
    }

    private static String encode(Map<String, Checksums.Digest> digests) {
        StringBuilder out = new StringBuilder();
        digests.forEach((name, d) -> out.append(name).append('\t').append(d.sha256()).append('\t').append(d.bytes())
                .append('\n'));
        return out.toString();
    }

    private static Map<String, Checksums.Digest> decode(String text) {
        Map<String, Checksums.Digest> out = new LinkedHashMap<>();
        for (String line : text.split("\n")) {
            if (!line.isEmpty()) {
                String[] f = line.split("\t");
                out.put(f[0], new Checksums.Digest(f[1], Long.parseLong(f[2])));
            }
        }
        return out;
    }
}
