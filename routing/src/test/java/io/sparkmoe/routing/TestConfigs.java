package io.sparkmoe.routing;

import java.util.Optional;

import io.sparkmoe.conf.AuxLossConfig;
import io.sparkmoe.conf.Capacity;
import io.sparkmoe.conf.CosineRouterConfig;
import io.sparkmoe.conf.ReluRouterConfig;
import io.sparkmoe.conf.RoutingConfig;
import io.sparkmoe.conf.SigmoidRouterConfig;

/** A builder of {@link RoutingConfig} for tests, starting from the config defaults but with no aux loss. */
public final class TestConfigs {

    private String router;
    private int topK;
    private boolean normalize;
    private Capacity capacity = new Capacity.Dropless();
    private String dropPolicy = "position";
    private boolean zeroInit;
    private Optional<Integer> groupLimit = Optional.empty();
    private Optional<Double> loadBalance = Optional.empty();
    private Optional<Double> zLoss = Optional.empty();
    private Optional<Double> locality = Optional.empty();
    private double biasRate = 0.001;
    private double l1Init = 1e-8;

    private TestConfigs(String router, int topK) {
        this.router = router;
        this.topK = topK;
    }

    public static TestConfigs router(String name, int topK) {
        return new TestConfigs(name, topK);
    }

    public TestConfigs normalize(boolean v) {
        normalize = v;
        return this;
    }

    public TestConfigs capacity(Capacity c) {
        capacity = c;
        return this;
    }

    public TestConfigs dropPolicy(String p) {
        dropPolicy = p;
        return this;
    }

    public TestConfigs zeroInit(boolean v) {
        zeroInit = v;
        return this;
    }

    public TestConfigs groupLimit(int m) {
        groupLimit = Optional.of(m);
        return this;
    }

    public TestConfigs loadBalance(double a) {
        loadBalance = Optional.of(a);
        return this;
    }

    public TestConfigs zLoss(double b) {
        zLoss = Optional.of(b);
        return this;
    }

    public TestConfigs locality(double m) {
        locality = Optional.of(m);
        return this;
    }

    public TestConfigs biasRate(double r) {
        biasRate = r;
        return this;
    }

    public TestConfigs l1Init(double l) {
        l1Init = l;
        return this;
    }

    public RoutingConfig build() {
        return new RoutingConfig(router, topK, normalize, capacity, dropPolicy, zeroInit, groupLimit,
                new AuxLossConfig(loadBalance, zLoss, locality), new SigmoidRouterConfig(biasRate, 1.0),
                new ReluRouterConfig(l1Init, 1.2, Optional.empty()), new CosineRouterConfig(16, 0.07));
    }
}
