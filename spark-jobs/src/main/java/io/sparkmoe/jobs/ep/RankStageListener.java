package io.sparkmoe.jobs.ep;

import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerExecutorAdded;
import org.apache.spark.scheduler.SparkListenerExecutorRemoved;
import org.apache.spark.scheduler.SparkListenerStageCompleted;
import org.apache.spark.scheduler.SparkListenerStageSubmitted;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The driver's account of the ranks' barrier stage while it runs: an executor lost (and a replacement registered),
 * a stage attempt that failed and why, and a rerun starting, each logged in one line that says what happens next.
 * Spark reports these too, but spread over scheduler messages that do not say the ranks will resume.
 */
final class RankStageListener extends SparkListener {

    private static final Logger LOG = LoggerFactory.getLogger(RankStageListener.class);

    private final int ranks;
    /** Stage attempts already reported failed: Spark reports a failed barrier attempt once per failed task. */
    private final java.util.Set<String> failedAttempts = java.util.concurrent.ConcurrentHashMap.newKeySet();

    RankStageListener(int ranks) {
        this.ranks = ranks;
    }

    @Override
    public void onExecutorRemoved(SparkListenerExecutorRemoved removed) {
        LOG.warn("executor {} lost ({}): the ranks' stage attempt fails and Spark reruns all {} ranks once enough"
                + " task slots are back", removed.executorId(), removed.reason(), ranks);
    }

    @Override
    public void onExecutorAdded(SparkListenerExecutorAdded added) {
        LOG.info("executor {} registered on {} ({} cores)", added.executorId(), added.executorInfo().executorHost(),
                added.executorInfo().totalCores());
    }

    @Override
    public void onStageSubmitted(SparkListenerStageSubmitted submitted) {
        int attempt = submitted.stageInfo().attemptNumber();
        if (attempt > 0 && submitted.stageInfo().numTasks() == ranks) {
            LOG.warn("rerunning the {} ranks: stage {} attempt {}; they resume from the newest complete checkpoint",
                    ranks, submitted.stageInfo().stageId(), attempt);
        }
    }

    @Override
    public void onStageCompleted(SparkListenerStageCompleted completed) {
        if (completed.stageInfo().failureReason().isDefined() && completed.stageInfo().numTasks() == ranks
                && failedAttempts.add(completed.stageInfo().stageId() + "." + completed.stageInfo().attemptNumber())) {
            LOG.warn("stage {} attempt {} of the ranks failed: {}", completed.stageInfo().stageId(),
                    completed.stageInfo().attemptNumber(), firstLine(completed.stageInfo().failureReason().get()));
        }
    }

    private static String firstLine(String text) {
        int end = text.indexOf('\n');
        return end < 0 ? text : text.substring(0, end);
    }
}
