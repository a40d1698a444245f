package io.sparkmoe.jobs.decentralized;

import java.util.List;
import java.util.Optional;

import io.sparkmoe.conf.ModelConfig;
import io.sparkmoe.conf.MoeConfig;
import io.sparkmoe.conf.SparkMoeConfig;

/**
 * The model of one decentralized expert: the configured architecture with no MoE layers (MODEL.md, "Decentralized
 * experts"), every feed-forward block the dense one of {@code model.dense-intermediate-size}.
 */
final class DenseExpert {

    private DenseExpert() {
    }

    static SparkMoeConfig of(SparkMoeConfig c) {
        ModelConfig m = c.model();
        MoeConfig moe = m.moe();
        MoeConfig none = new MoeConfig(moe.experts(), moe.intermediateSize(), moe.every(), Optional.of(List.of()), 0, 0,
                Optional.empty(), false);
        ModelConfig dense = new ModelConfig(m.vocabSize(), m.hiddenSize(), m.layers(), m.heads(), m.seqLen(),
                m.ropeBase(), m.normEps(), m.tieEmbeddings(), m.denseIntermediateSize(), m.initStd(), none);
        return new SparkMoeConfig(c.preset(), c.data(), dense, c.routing(), c.train(), c.cluster(), c.run());
    }
}
