package io.sparkmoe.conf;

import com.typesafe.config.ConfigList;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * How one configuration value is read from HOCON and written back.
 *
 * <p>Parsing is strict on purpose: a quoted {@code "256"} where an integer is expected is a mistake in
 * the file, and saying so beats guessing. Each type also renders its value into a plain Java object
 * that {@code ConfigValueFactory} understands, so a resolved configuration can be written out and read
 * back to the same value.
 *
 * @param <T> the Java type of the value
 */
public interface ValueType<T> {

    /** Reads a non-null value, or throws {@link BadValue} saying what was expected. */
    T parse(ConfigValue value) throws BadValue;

    /** The value as a plain object ({@code Integer}, {@code String}, {@code List}, {@code Map} …). */
    Object render(T value);

    /** A short description of what is accepted, for errors and {@code --help}. */
    String describe();

    /** Thrown by {@link #parse} with a message that completes "expected …". */
    final class BadValue extends Exception {
        private static final long serialVersionUID = 1L;

        public BadValue(String message) {
            super(message, null, false, false);
        }
    }

    static String show(ConfigValue value) {
        return value.valueType().name().toLowerCase() + " " + value.render();
    }

    static ValueType<Integer> integer() {
        return new ValueType<>() {
            @Override
            public Integer parse(ConfigValue v) throws BadValue {
                if (v.valueType() == ConfigValueType.NUMBER) {
                    Number n = (Number) v.unwrapped();
                    double d = n.doubleValue();
                    if (d == Math.rint(d) && d >= Integer.MIN_VALUE && d <= Integer.MAX_VALUE) {
                        return (int) d;
                    }
                }
                throw new BadValue("expected an integer, got " + show(v));
            }

            @Override
            public Object render(Integer value) {
                return value;
            }

            @Override
            public String describe() {
                return "integer";
            }
        };
    }

    static ValueType<Long> longInteger() {
        return new ValueType<>() {
            @Override
            public Long parse(ConfigValue v) throws BadValue {
                if (v.valueType() == ConfigValueType.NUMBER) {
                    Number n = (Number) v.unwrapped();
                    if (n instanceof Integer || n instanceof Long) {
                        return n.longValue();
                    }
                    double d = n.doubleValue();
                    if (d == Math.rint(d) && Math.abs(d) < 0x1p53) {
                        return (long) d;
                    }
                }
                throw new BadValue("expected an integer, got " + show(v));
            }

            @Override
            public Object render(Long value) {
                return value;
            }

            @Override
            public String describe() {
                return "integer";
            }
        };
    }

    static ValueType<Double> number() {
        return new ValueType<>() {
            @Override
            public Double parse(ConfigValue v) throws BadValue {
                if (v.valueType() == ConfigValueType.NUMBER) {
                    double d = ((Number) v.unwrapped()).doubleValue();
                    if (Double.isFinite(d)) {
                        return d;
                    }
                }
                throw new BadValue("expected a finite number, got " + show(v));
            }

            @Override
            public Object render(Double value) {
                return value;
            }

            @Override
            public String describe() {
                return "number";
            }
        };
    }

    static ValueType<Boolean> bool() {
        return new ValueType<>() {
            @Override
            public Boolean parse(ConfigValue v) throws BadValue {
                if (v.valueType() == ConfigValueType.BOOLEAN) {
                    return (Boolean) v.unwrapped();
                }
                throw new BadValue("expected true or false, got " + show(v));
            }

            @Override
            public Object render(Boolean value) {
                return value;
            }

            @Override
            public String describe() {
                return "boolean";
            }
        };
    }

    /** Any scalar, read as its text: names and paths may well look like numbers. */
    static ValueType<String> string() {
        return new ValueType<>() {
            @Override
            public String parse(ConfigValue v) throws BadValue {
                return switch (v.valueType()) {
                    case STRING, NUMBER, BOOLEAN -> String.valueOf(v.unwrapped());
                    default -> throw new BadValue("expected a string, got " + show(v));
                };
            }

            @Override
            public Object render(String value) {
                return value;
            }

            @Override
            public String describe() {
                return "string";
            }
        };
    }

    /** One of a fixed set of names; a near miss gets a suggestion. */
    static ValueType<String> choice(List<String> names) {
        List<String> allowed = List.copyOf(names);
        return new ValueType<>() {
            @Override
            public String parse(ConfigValue v) throws BadValue {
                if (v.valueType() == ConfigValueType.STRING && allowed.contains((String) v.unwrapped())) {
                    return (String) v.unwrapped();
                }
                String got = v.valueType() == ConfigValueType.STRING ? (String) v.unwrapped() : v.render();
                throw new BadValue("expected one of " + allowed + ", got " + show(v)
                        + Suggestions.didYouMean(got, allowed));
            }

            @Override
            public Object render(String value) {
                return value;
            }

            @Override
            public String describe() {
                return "one of " + String.join(" | ", allowed);
            }
        };
    }

    static ValueType<List<String>> stringList() {
        return new ValueType<>() {
            @Override
            public List<String> parse(ConfigValue v) throws BadValue {
                if (v.valueType() != ConfigValueType.LIST) {
                    throw new BadValue("expected a list of strings, got " + show(v));
                }
                List<String> out = new ArrayList<>();
                for (ConfigValue item : (ConfigList) v) {
                    if (item.valueType() != ConfigValueType.STRING) {
                        throw new BadValue("expected a list of strings, but one element is " + show(item));
                    }
                    out.add((String) item.unwrapped());
                }
                return List.copyOf(out);
            }

            @Override
            public Object render(List<String> value) {
                return value;
            }

            @Override
            public String describe() {
                return "list of strings";
            }
        };
    }

    static ValueType<List<Integer>> intList() {
        ValueType<Integer> element = integer();
        return new ValueType<>() {
            @Override
            public List<Integer> parse(ConfigValue v) throws BadValue {
                if (v.valueType() != ConfigValueType.LIST) {
                    throw new BadValue("expected a list of integers, got " + show(v));
                }
                List<Integer> out = new ArrayList<>();
                for (ConfigValue item : (ConfigList) v) {
                    try {
                        out.add(element.parse(item));
                    } catch (BadValue e) {
                        throw new BadValue("expected a list of integers, but one element is " + show(item));
                    }
                }
                return List.copyOf(out);
            }

            @Override
            public Object render(List<Integer> value) {
                return value;
            }

            @Override
            public String describe() {
                return "list of integers";
            }
        };
    }

    /**
     * A free-form table of scalar settings, flattened to dotted names: both
     * {@code spark.executor.memory = 2g} (nested) and {@code "spark.executor.memory" = 2g} (quoted) give
     * the key {@code spark.executor.memory}.
     */
    static ValueType<Map<String, String>> stringTable() {
        return new ValueType<>() {
            @Override
            public Map<String, String> parse(ConfigValue v) throws BadValue {
                if (v.valueType() != ConfigValueType.OBJECT) {
                    throw new BadValue("expected a table of settings { name = value }, got " + show(v));
                }
                Map<String, String> out = new LinkedHashMap<>();
                flatten((ConfigObject) v, "", out);
                return Collections.unmodifiableMap(new TreeMap<>(out));
            }

            private void flatten(ConfigObject obj, String prefix, Map<String, String> out) throws BadValue {
                for (Map.Entry<String, ConfigValue> e : obj.entrySet()) {
                    String name = prefix + e.getKey();
                    ConfigValue value = e.getValue();
                    switch (value.valueType()) {
                        case OBJECT -> flatten((ConfigObject) value, name + ".", out);
                        case STRING, NUMBER, BOOLEAN -> out.put(name, String.valueOf(value.unwrapped()));
                        default -> throw new BadValue("expected scalar settings, but '" + name + "' is " + show(value));
                    }
                }
            }

            @Override
            public Object render(Map<String, String> value) {
                // Map keys are single keys, not paths: the dots stay part of each name when rendered.
                return new LinkedHashMap<>(new TreeMap<>(value));
            }

            @Override
            public String describe() {
                return "table of name = value";
            }
        };
    }
}
