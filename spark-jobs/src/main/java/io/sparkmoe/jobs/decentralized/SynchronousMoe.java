package io.sparkmoe.jobs.decentralized;

import java.util.Optional;

import io.sparkmoe.conf.ModelConfig;
import io.sparkmoe.conf.MoeConfig;
import io.sparkmoe.conf.SparkMoeConfig;
import io.sparkmoe.model.Parameters;

/**
 * The synchronous MoE that {@code compare-decentralized} sets against the decentralized experts: the experts'
 * architecture ({@link DenseExpert}) with every feed-forward block made an MoE layer of {@code K} routed experts
 * (K = the number of clusters), each expert the size of the dense feed-forward block
 * ({@code model.dense-intermediate-size}), so each of them could hold what one decentralized expert's feed-forward
 * blocks hold. Routing is the configured {@code routing} section as it is (by default top-k with k = 2); the
 * configured {@code model.moe} layout is not used, as the decentralized experts do not use it either.
 *
 * <p>Its compute is counted per <em>active</em> parameter: a token passes through k of the K experts of a layer,
 * so the other {@code K − k} experts' weights do no work for it (MODEL.md's {@code 6 · N · D} with N the parameters a
 * token uses).
 */
final class SynchronousMoe {

    private SynchronousMoe() {
    }

    /** The MoE model of {@code experts} experts per layer; fails naming the keys if top-k exceeds them. */
    static SparkMoeConfig of(SparkMoeConfig c, int experts) {
        int k = c.routing().topK();
        if (k > experts) {
            throw new IllegalArgumentException("routing.top-k (" + k + ") is greater than the synchronous MoE's experts"
                    + " (data.clusters.count = " + experts + "); lower routing.top-k or pass --no-moe");
        }
        ModelConfig m = c.model();
        MoeConfig moe = new MoeConfig(experts, m.denseIntermediateSize(), 1, Optional.empty(), 0, 0,
                Optional.empty(), false);
        ModelConfig model = new ModelConfig(m.vocabSize(), m.hiddenSize(), m.layers(), m.heads(), m.seqLen(),
                m.ropeBase(), m.normEps(), m.tieEmbeddings(), m.denseIntermediateSize(), m.initStd(), moe);
        return new SparkMoeConfig(c.preset(), c.data(), model, c.routing(), c.train(), c.cluster(), c.run());
    }

    /** Every parameter of {@code p}, counted once. */
    static long parameters(Parameters p) {
        long n = 0;
        for (String name : p.names()) {
            n += p.value(name).length();
        }
        return n;
    }

    /**
     * The parameters one token uses: all but the routed experts' weights, which count {@code k / experts} (every
     * routed expert of a layer has the same size); a model without routed experts counts every parameter.
     */
    static long activeParameters(Parameters p, int experts, int k) {
        long shared = 0;
        long routed = 0;
        for (String name : p.names()) {
            long n = p.value(name).length();
            if (name.contains(".experts.")) {
                routed += n;
            } else {
                shared += n;
            }
        }
        if (routed % experts != 0) {
            throw new IllegalStateException("routed expert weights (" + routed + ") do not split into " + experts
                    + " equal experts");
        }
        return shared + routed / experts * k;
    }

    /**
     * Steps of {@code tokensPerStep} tokens that give a model of {@code activeParameters} the training FLOPs
     * {@code 6 · referenceParameters · referenceTokens}, rounded to the nearest step (at least one).
     */
    static int equalFlopSteps(long referenceParameters, long referenceTokens, long activeParameters, long tokensPerStep) {
        double steps = (double) referenceParameters * referenceTokens / ((double) activeParameters * tokensPerStep);
        return (int) Math.max(1, Math.round(steps));
    }
}
