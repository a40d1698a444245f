package io.sparkmoe.conf;

import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigOrigin;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * Reads typed values out of a merged HOCON tree and collects <em>every</em> problem instead of
 * stopping at the first.
 *
 * <p>A value that is missing, of the wrong type or out of range is recorded as a problem and replaced
 * by the key's default, so reading goes on and the remaining keys are still checked; cross-field
 * checks that involve a key that already failed are skipped, since they would only repeat the error.
 * After all sections are read, {@link #finish()} walks the tree for keys nobody asked for (unknown
 * keys, with a suggestion) and throws one {@link InvalidConfigException} naming all problems.
 */
public final class ConfigReader {

    private final ConfigObject root;
    private final List<ConfigProblem> problems = new ArrayList<>();
    private final Map<String, Key<?>> keys = new LinkedHashMap<>();
    private final Map<String, Object> resolved = new LinkedHashMap<>();
    private final Set<String> failed = new HashSet<>();

    public ConfigReader(ConfigObject root) {
        this.root = root;
    }

    /** The value of a required key. */
    public <T> T get(Key<T> key) {
        if (key.isOptional()) {
            throw new IllegalStateException(key.path() + " is optional: use getOptional");
        }
        return read(key);
    }

    /** The value of an optional key; empty when it is unset ({@code null}). */
    public <T> Optional<T> getOptional(Key<T> key) {
        if (!key.isOptional()) {
            throw new IllegalStateException(key.path() + " is required: use get");
        }
        return Optional.ofNullable(read(key));
    }

    private <T> T read(Key<T> key) {
        if (keys.putIfAbsent(key.path(), key) != null) {
            throw new IllegalStateException(key.path() + " is read twice");
        }
        ConfigValue raw = lookup(key.path());
        // Not set anywhere (raw == null): the default stands; defaults live in the keys, not in a file.
        T value = key.defaultValue();
        if (raw != null && raw.valueType() == ConfigValueType.NULL) {
            if (key.isOptional()) {
                value = null;
            } else {
                fail(key, raw.origin(), "must be set (it cannot be null); expected " + key.type().describe());
            }
        } else if (raw != null) {
            try {
                T parsed = key.type().parse(raw);
                List<String> broken = key.checks().stream()
                        .filter(c -> !c.test().test(parsed))
                        .map(Key.Check::requirement)
                        .toList();
                if (broken.isEmpty()) {
                    value = parsed;
                } else {
                    fail(key, raw.origin(), "is " + key.type().render(parsed) + " but must be "
                            + String.join(" and ", broken));
                }
            } catch (ValueType.BadValue e) {
                fail(key, raw.origin(), e.getMessage());
            }
        }
        resolved.put(key.path(), value == null ? null : key.type().render(value));
        return value;
    }

    private void fail(Key<?> key, ConfigOrigin origin, String message) {
        failed.add(key.path());
        problems.add(new ConfigProblem(key.path(), describe(origin), message));
    }

    /**
     * A cross-field rule; {@code message} says what is wrong. Skipped when one of the keys already
     * failed on its own. The problem names every key involved and where each was set.
     */
    public void check(boolean ok, String message, Key<?>... involved) {
        if (ok || Arrays.stream(involved).anyMatch(k -> failed.contains(k.path()))) {
            return;
        }
        List<String> paths = new ArrayList<>();
        List<String> origins = new ArrayList<>();
        for (Key<?> k : involved) {
            paths.add(k.path());
            ConfigValue raw = lookup(k.path());
            origins.add(k.path() + " from " + (raw == null ? "default" : describe(raw.origin())));
        }
        problems.add(new ConfigProblem(String.join(", ", paths), String.join("; ", origins), message));
        Arrays.stream(involved).forEach(k -> failed.add(k.path()));
    }

    /** Whether the key's value was rejected (so its default stands in). */
    public boolean failed(Key<?> key) {
        return failed.contains(key.path());
    }

    /** Every key read, in reading order. */
    public List<Key<?>> keys() {
        return List.copyOf(keys.values());
    }

    /** Path → rendered value ({@code null} for unset), in reading order. */
    public Map<String, Object> resolvedValues() {
        return java.util.Collections.unmodifiableMap(new LinkedHashMap<>(resolved));
    }

    /** Reports unknown keys and misplaced scalars, then throws if anything at all was wrong. */
    public void finish() {
        Set<String> sections = new TreeSet<>();
        for (String path : keys.keySet()) {
            for (int dot = path.indexOf('.'); dot > 0; dot = path.indexOf('.', dot + 1)) {
                sections.add(path.substring(0, dot));
            }
        }
        walk(root, "", sections);
        if (!problems.isEmpty()) {
            throw new InvalidConfigException(problems);
        }
    }

    private void walk(ConfigObject obj, String prefix, Set<String> sections) {
        for (Map.Entry<String, ConfigValue> e : obj.entrySet()) {
            String path = prefix + e.getKey();
            ConfigValue value = e.getValue();
            if (keys.containsKey(path)) {
                continue;
            }
            if (sections.contains(path)) {
                if (value instanceof ConfigObject section) {
                    walk(section, path + ".", sections);
                } else {
                    problems.add(new ConfigProblem(path, describe(value.origin()),
                            "is a section and needs { … } with its keys, got " + ValueType.show(value)));
                }
            } else if (value instanceof ConfigObject section && !section.isEmpty()) {
                walk(section, path + ".", sections);
            } else {
                List<String> known = new ArrayList<>(keys.keySet());
                problems.add(new ConfigProblem(path, describe(value.origin()),
                        "unknown key" + Suggestions.didYouMean(path, known)));
            }
        }
    }

    private ConfigValue lookup(String path) {
        ConfigValue current = root;
        for (String part : path.split("\\.")) {
            if (!(current instanceof ConfigObject obj) || !obj.containsKey(part)) {
                return null;
            }
            current = obj.get(part);
        }
        return current;
    }

    /** {@code file.conf:12}, {@code preset tiny:3}, or the origin's own description. */
    static String describe(ConfigOrigin origin) {
        if (origin == null) {
            return "";
        }
        int line = origin.lineNumber();
        String where = origin.filename() != null ? origin.filename()
                : origin.resource() != null ? origin.resource()
                : origin.description().replaceFirst(": \\d+$", "");
        return line > 0 && !where.endsWith(":" + line) ? where + ":" + line : where;
    }
}
