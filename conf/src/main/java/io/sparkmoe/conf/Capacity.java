package io.sparkmoe.conf;

import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;

/**
 * Expert capacity per MoE layer and rank, {@code C = ⌈cf · N_local · k / E⌉} (MODEL.md, "Capacity").
 * Three spellings in HOCON, never a falsy 0: {@code dropless}, a positive factor, or {@code locmoe-min}
 * (the smallest C LocMoE's bound allows, measured at run time).
 */
public sealed interface Capacity {

    /** No token is ever dropped. */
    record Dropless() implements Capacity {
    }

    /** A fixed capacity factor {@code cf > 0}. */
    record Factor(double value) implements Capacity {
        public Factor {
            if (!(value > 0) || !Double.isFinite(value)) {
                throw new IllegalArgumentException("capacity factor must be > 0, got " + value);
            }
        }
    }

    /** LocMoE's lower bound, from the measured angular deviation δ (reported with the C it gives). */
    record LocMoeMin() implements Capacity {
    }

    String DROPLESS = "dropless";
    String LOCMOE_MIN = "locmoe-min";

    ValueType<Capacity> TYPE = new ValueType<>() {
        @Override
        public Capacity parse(ConfigValue v) throws BadValue {
            if (v.valueType() == ConfigValueType.STRING) {
                String s = (String) v.unwrapped();
                if (s.equals(DROPLESS)) {
                    return new Dropless();
                }
                if (s.equals(LOCMOE_MIN)) {
                    return new LocMoeMin();
                }
            } else if (v.valueType() == ConfigValueType.NUMBER) {
                double d = ((Number) v.unwrapped()).doubleValue();
                if (d > 0 && Double.isFinite(d)) {
                    return new Factor(d);
                }
                throw new BadValue("expected a capacity factor > 0 (or dropless | locmoe-min), got " + d
                        + (d == 0 ? "; write dropless for no capacity limit" : ""));
            }
            throw new BadValue("expected dropless, locmoe-min or a factor > 0, got " + ValueType.show(v));
        }

        @Override
        public Object render(Capacity value) {
            if (value instanceof Factor f) {
                return f.value();
            }
            return value instanceof Dropless ? DROPLESS : LOCMOE_MIN;
        }

        @Override
        public String describe() {
            return "dropless | locmoe-min | factor > 0";
        }
    };
}
