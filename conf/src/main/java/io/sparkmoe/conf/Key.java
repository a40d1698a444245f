package io.sparkmoe.conf;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Predicate;

/**
 * One configuration key: its dotted path, what it means, its type, its default and its checks.
 *
 * <p>A key is either <em>required</em> (it always has a value, its default unless set) or
 * <em>optional</em>, in which case HOCON {@code null} means "unset" and the reader returns an empty
 * {@link java.util.Optional}. "Unset" is therefore always spelled out, never encoded as {@code 0} or
 * an empty string (a lesson from gates whose falsy default silently ignored a capacity of zero).
 *
 * <p>Keys are immutable; the builder-style methods return new keys.
 *
 * @param <T> the Java type of the value
 */
public final class Key<T> {

    /** A condition a value must meet, and what to say when it does not ("must be …"). */
    public record Check<T>(Predicate<T> test, String requirement) {
    }

    private final String path;
    private final String doc;
    private final ValueType<T> type;
    private final T defaultValue;
    private final boolean optional;
    private final List<Check<T>> checks;

    private Key(String path, String doc, ValueType<T> type, T defaultValue, boolean optional, List<Check<T>> checks) {
        this.path = Objects.requireNonNull(path);
        this.doc = Objects.requireNonNull(doc);
        this.type = Objects.requireNonNull(type);
        this.defaultValue = defaultValue;
        this.optional = optional;
        this.checks = List.copyOf(checks);
        if (!optional && defaultValue == null) {
            throw new IllegalArgumentException(path + ": a required key needs a default");
        }
    }

    /** A key that always has a value; {@code defaultValue} applies when the user does not set it. */
    public static <T> Key<T> required(String path, ValueType<T> type, T defaultValue, String doc) {
        return new Key<>(path, doc, type, Objects.requireNonNull(defaultValue, path), false, List.of());
    }

    /** A key that may be unset ({@code null} in HOCON); {@code defaultValue} may be {@code null} (unset). */
    public static <T> Key<T> optional(String path, ValueType<T> type, T defaultValue, String doc) {
        return new Key<>(path, doc, type, defaultValue, true, List.of());
    }

    /** Adds a check; {@code requirement} completes "must be …". */
    public Key<T> must(Predicate<T> test, String requirement) {
        List<Check<T>> more = new ArrayList<>(checks);
        more.add(new Check<>(test, requirement));
        return new Key<>(path, doc, type, defaultValue, optional, more);
    }

    public String path() {
        return path;
    }

    public String doc() {
        return doc;
    }

    public ValueType<T> type() {
        return type;
    }

    /** The default, or {@code null} for an optional key that is unset by default. */
    public T defaultValue() {
        return defaultValue;
    }

    public boolean isOptional() {
        return optional;
    }

    public List<Check<T>> checks() {
        return checks;
    }

    /** One line for {@code --help}: path, type, default and meaning. */
    public String describe() {
        String def = defaultValue == null ? "unset" : String.valueOf(type.render(defaultValue));
        List<String> requirements = checks.stream().map(Check::requirement).toList();
        return path + " (" + type.describe() + (optional ? ", may be null" : "") + "; default " + def
                + (requirements.isEmpty() ? "" : "; " + String.join(", ", requirements)) + "): " + doc;
    }

    @Override
    public String toString() {
        return path;
    }

    // ---- common checks -------------------------------------------------------------------------

    public static Predicate<Integer> atLeast(int min) {
        return v -> v >= min;
    }

    public static Predicate<Double> positive() {
        return v -> v > 0;
    }

    public static Predicate<Double> between(double lo, double hi) {
        return v -> v >= lo && v <= hi;
    }
}
