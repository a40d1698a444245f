package io.sparkmoe.costmodel;

/**
 * The cost model against measured runs: each run's setting is fed to {@link StepCostModel} with the run's own
 * compute rate (compute is measured, not modelled, so the comparison is about communication), and the predicted
 * remote bytes, exchange time and step time are set beside the measured ones. For locality-aware routers the pull
 * λ is fitted to the run's remote bytes first ({@link LocalityFit}), so only their times are predictions.
 */
public final class Calibration {

    /** Predicted vs measured for one run; {@code lambda} is NaN for routers whose pattern is not fitted. */
    public record Comparison(MeasuredStep measured, StepCost predicted, double lambda) {

        public double remoteBytesError() {
            return relative(predicted.remoteBytesPerToken(), measured.remoteBytesPerToken());
        }

        public double exchangeError() {
            return relative(predicted.exchangeSeconds(), measured.exchangeSeconds());
        }

        public double stepError() {
            return relative(predicted.stepSeconds(), measured.stepSeconds());
        }

        private static double relative(double predicted, double measured) {
            return (predicted - measured) / measured;
        }
    }

    private Calibration() {
    }

    public static Comparison compare(StepCostModel model, MeasuredStep run) {
        ClusterSpec cluster = new ClusterSpec(run.nodes(), run.ranksPerNode(), run.intraNode(), run.interNode(),
                run.tokensPerRank() / run.computeSeconds(), "measured");
        ModelShape shape = new ModelShape(run.hidden(), run.moeLayers(), 1.0, run.replicatedParams(),
                run.expertsPerRank(), run.tokensPerRank(), 4);
        double lambda = Double.NaN;
        RoutingPattern pattern;
        if (run.localityAware()) {
            lambda = LocalityFit.lambda(model, cluster, shape, run.k(), run.remoteBytesPerToken() / run.moeLayers());
            pattern = RoutingPattern.localBiased(run.router(), run.k(), lambda);
        } else if (run.nodeLimit() > 0) {
            pattern = RoutingPattern.nodeLimited(run.router(), run.k(), run.nodeLimit());
        } else {
            pattern = RoutingPattern.uniform(run.router(), run.k());
        }
        return new Comparison(run, model.predict(cluster, shape, pattern, run.averagingEvery()), lambda);
    }
}
