package io.sparkmoe.model;

import java.util.Random;
import java.util.stream.Stream;

import io.sparkmoe.conf.Capacity;
import io.sparkmoe.conf.RoutingConfig;
import io.sparkmoe.routing.Router;
import io.sparkmoe.routing.routers.RouterShape;
import io.sparkmoe.routing.routers.Routers;
import io.sparkmoe.routing.scores.Arrays2;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The grouped {@link MoeLayer}: finite-difference check of dL/dx and every tensor (experts, router, shared experts and
 * gate, through the aux losses too), and agreement with the per-token {@link ReferenceMoeLayer} on outputs and all
 * gradients, dropless and with capacity drops.
 */
class MoeLayerTest {

    private static final String PREFIX = "model.layers.0.block_sparse_moe.";
    private static final int N = 10;
    private static final int D = TinyModels.HIDDEN;

    static Stream<Arguments> routers() {
        Capacity tight = new Capacity.Factor(0.5);
        return Stream.of(
                Arguments.of(TinyModels.routing("topk", 2, true, new Capacity.Dropless())),
                Arguments.of(TinyModels.routing("topk", 2, false, tight)),
                Arguments.of(TinyModels.routing("switch", 1, false, tight)),
                Arguments.of(TinyModels.routing("sigmoid", 2, false, new Capacity.Dropless())),
                Arguments.of(TinyModels.routing("cosine", 2, true, new Capacity.Dropless())),
                Arguments.of(TinyModels.routing("hash", 1, false, new Capacity.Dropless())));
    }

    /** Router, 4 experts (f = 6), one gated shared expert, all float64. */
    private static Parameters build(RoutingConfig routing, Router[] routerOut) {
        Random r = new Random(3);
        Parameters p = new Parameters(DataType.DOUBLE);
        Router router = Routers.create(routing, new RouterShape(4, D, TinyModels.VOCAB, DataType.DOUBLE, 0.5), 11);
        AbstractMoeLayer.register(p, PREFIX, router);
        for (String e : new String[]{"experts.0.", "experts.1.", "experts.2.", "experts.3.", "shared_experts.0."}) {
            p.add(PREFIX + e + "w1.weight", GradientCheck.normal(r, 6, D, 0.5));
            p.add(PREFIX + e + "w3.weight", GradientCheck.normal(r, 6, D, 0.5));
            p.add(PREFIX + e + "w2.weight", GradientCheck.normal(r, D, 6, 0.5));
        }
        p.add(PREFIX + "shared_expert_gate.weight", GradientCheck.normal(r, 1, D, 0.5));
        routerOut[0] = router;
        return p;
    }

    private static int[] ids() {
        return ids(N);
    }

    private static int[] ids(int n) {
        int[] ids = new int[n];
        for (int t = 0; t < n; t++) {
            ids[t] = (t * 7) % TinyModels.VOCAB;
        }
        return ids;
    }

    @ParameterizedTest
    @MethodSource("routers")
    void gradientsMatchFiniteDifferences(RoutingConfig routing) {
        Router[] router = new Router[1];
        Parameters p = build(routing, router);
        MoeLayer layer = new MoeLayer(p, PREFIX, router[0], 1, true);
        int[] ids = ids();
        INDArray x = GradientCheck.normal(new Random(8), N, D, 1);
        GradientCheck.checkLayer(p, x, in -> layer.forward(in, ids, null), layer::backward, layer::auxLoss);
    }

    @ParameterizedTest
    @MethodSource("routers")
    void groupedLayerAgreesWithThePerTokenReference(RoutingConfig routing) {
        Router[] router = new Router[1];
        Parameters p = build(routing, router);
        int[] ids = ids();
        INDArray x = GradientCheck.normal(new Random(8), N, D, 1);
        INDArray dy = GradientCheck.normal(new Random(9), N, D, 1);
        boolean[] padding = new boolean[N];
        padding[3] = true;

        AbstractMoeLayer grouped = new MoeLayer(p, PREFIX, router[0], 1, true);
        AbstractMoeLayer reference = new ReferenceMoeLayer(p, PREFIX, router[0], 1, true);
        assertAgrees(p, grouped, reference, x, dy, ids, padding);
    }

    /**
     * One grouped layer over steps of different sizes: its gathered buffers are reused when a step needs fewer rows
     * and grown when it needs more, and every step still agrees with the reference.
     */
    @ParameterizedTest
    @MethodSource("routers")
    void reusedBuffersAgreeWithTheReferenceAsBatchesShrinkAndGrow(RoutingConfig routing) {
        Router[] router = new Router[1];
        Parameters p = build(routing, router);
        AbstractMoeLayer grouped = new MoeLayer(p, PREFIX, router[0], 1, true);
        AbstractMoeLayer reference = new ReferenceMoeLayer(p, PREFIX, router[0], 1, true);
        int seed = 20;
        for (int n : new int[]{N, 4, 2 * N}) {
            INDArray x = GradientCheck.normal(new Random(seed++), n, D, 1);
            INDArray dy = GradientCheck.normal(new Random(seed++), n, D, 1);
            assertAgrees(p, grouped, reference, x, dy, ids(n), null);
        }
    }

    private static void assertAgrees(Parameters p, AbstractMoeLayer grouped, AbstractMoeLayer reference, INDArray x,
                                     INDArray dy, int[] ids, boolean[] padding) {
        p.zeroGradients();
        double[] yGrouped = Arrays2.toDoubles(grouped.forward(x, ids, padding));
        double[] dxGrouped = Arrays2.toDoubles(grouped.backward(dy));
        double[][] gGrouped = gradients(p);
        p.zeroGradients();
        double[] yReference = Arrays2.toDoubles(reference.forward(x, ids, padding));
        double[] dxReference = Arrays2.toDoubles(reference.backward(dy));
        double[][] gReference = gradients(p);

        assertArrayEquals(yReference, yGrouped, 1e-12);
        assertArrayEquals(dxReference, dxGrouped, 1e-12);
        for (int i = 0; i < gGrouped.length; i++) {
            assertArrayEquals(gReference[i], gGrouped[i], 1e-12, p.names().get(i));
        }
        assertTrue(java.util.Arrays.stream(gGrouped).anyMatch(g -> java.util.Arrays.stream(g).anyMatch(v -> v != 0)));
    }

    private static double[][] gradients(Parameters p) {
        return p.names().stream().map(n -> Arrays2.toDoubles(p.gradient(n).reshape(1, p.gradient(n).length())))
                .toArray(double[][]::new);
    }
}
