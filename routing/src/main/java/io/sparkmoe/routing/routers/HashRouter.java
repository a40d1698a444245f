package io.sparkmoe.routing.routers;

import java.util.Map;
import java.util.OptionalDouble;
import java.util.Random;

import io.sparkmoe.conf.RoutingConfig;
import io.sparkmoe.routing.AuxLossValues;
import io.sparkmoe.routing.Router;
import io.sparkmoe.routing.RouterGradients;
import io.sparkmoe.routing.RouterParameters;
import io.sparkmoe.routing.RoutingDecision;
import io.sparkmoe.routing.RoutingInput;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Hash Layers (Roller et al., "Hash Layers For Large Sparse Models", arXiv 2106.04426): expert = π(id) mod E,
 * π a fixed random permutation of the vocabulary drawn from the seed and saved as {@code gate.hash_table}
 * [V] (float32, as the reference stores it). Nothing is learned, no loss is computed and the input gets no
 * gradient; weight 1. Balance follows from the permutation: over a real token distribution each expert gets
 * the tokens of V/E random vocabulary entries.
 */
final class HashRouter implements Router {

    static final String TABLE = "gate.hash_table";

    private final RoutingConfig config;
    private final int experts;
    private final INDArray table;
    private final RouterParameters parameters = new RouterParameters();

    HashRouter(RoutingConfig config, int experts, int vocab, long seed) {
        this.config = config;
        this.experts = experts;
        int[] p = permutation(vocab, seed);
        float[] f = new float[vocab];
        for (int i = 0; i < vocab; i++) {
            f[i] = p[i];
        }
        this.table = Nd4j.createFromArray(f);
        parameters.buffer(TABLE, table);
    }

    /** A Fisher–Yates shuffle of 0..V−1 from the seed. */
    static int[] permutation(int vocab, long seed) {
        int[] p = new int[vocab];
        for (int i = 0; i < vocab; i++) {
            p[i] = i;
        }
        Random r = new Random(seed);
        for (int i = vocab - 1; i > 0; i--) {
            int j = r.nextInt(i + 1);
            int tmp = p[i];
            p[i] = p[j];
            p[j] = tmp;
        }
        return p;
    }

    @Override
    public String name() {
        return "hash";
    }

    @Override
    public int experts() {
        return experts;
    }

    @Override
    public RouterParameters parameters() {
        return parameters;
    }

    @Override
    public RoutingDecision route(RoutingInput input) {
        int[] tokenIds = input.tokenIds().orElseThrow(() ->
                new IllegalArgumentException("router hash needs the token ids in the routing input"));
        int n = input.tokens();
        int[] perm = table.toIntVector();    // read on each call: a loaded checkpoint replaces the buffer's values
        Selection sel = Selection.empty(n, 1);
        for (int t = 0; t < n; t++) {
            if (!input.isPadding(t)) {
                if (tokenIds[t] < 0 || tokenIds[t] >= perm.length) {
                    throw new IllegalArgumentException("token id " + tokenIds[t] + " outside the vocabulary 0.."
                            + (perm.length - 1));
                }
                sel.ids()[t] = perm[tokenIds[t]] % experts;
                sel.weights()[t] = 1;
            }
        }
        return DecisionAssembly.assemble(config, input, experts, sel, 1, null, OptionalDouble.empty(),
                AuxLossValues.NONE, null, input);
    }

    @Override
    public RouterGradients backward(RoutingDecision decision, INDArray weightGradient, double auxLossScale) {
        INDArray x = ((RoutingInput) decision.saved()).x();
        return new RouterGradients(Nd4j.zeros(x.dataType(), x.shape()), Map.of());
    }

}
