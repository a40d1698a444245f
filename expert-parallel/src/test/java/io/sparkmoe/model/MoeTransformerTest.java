package io.sparkmoe.model;

import java.util.stream.Stream;

import io.sparkmoe.conf.ModelConfig;
import io.sparkmoe.conf.RoutingConfig;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * Whole tiny model (d 8, H 2, L 2, E 4, V 17, T 5, two sequences): the gradient of the training loss (cross-entropy +
 * aux losses) with respect to every tensor matches finite differences in float64, for four router families and for
 * tied/untied heads, dense first layers, shared experts with gate and a padding id.
 */
class MoeTransformerTest {

    private static final int[][] IDS = {{1, 5, 16, 2, 9, 3}, {4, 0, 7, 7, 12, 0}};

    static Stream<Arguments> cases() {
        return Stream.of(
                Arguments.of(TinyModels.dropless("topk", 2, true), TinyModels.model(1, 0, 1, true, false), -1),
                Arguments.of(TinyModels.dropless("switch", 1, false), TinyModels.model(2, 0, 0, false, true), -1),
                Arguments.of(TinyModels.dropless("sigmoid", 2, false), TinyModels.model(1, 1, 1, false, false), 0),
                Arguments.of(TinyModels.dropless("cosine", 2, true), TinyModels.model(1, 0, 0, false, true), -1));
    }

    @ParameterizedTest
    @MethodSource("cases")
    void lossGradientMatchesFiniteDifferences(RoutingConfig routing, ModelConfig config, int padId) {
        MoeTransformer model = new MoeTransformer(config, routing, TinyModels.VOCAB, DataType.DOUBLE, 42);
        Parameters p = model.parameters();
        p.zeroGradients();
        model.loss(IDS, padId);
        model.backward();
        GradientCheck.checkParametersAfterBackward(p, () -> model.loss(IDS, padId), 12);
    }
}
