package io.sparkmoe.model.io;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Typed reads of one {@code config.json} object: a missing field takes the given default (the reference's
 * {@code CONFIG} defaults for the native layout, the Hugging Face classes' defaults for theirs), a present field of
 * the wrong type is an error naming the file and the field. {@code null} counts as absent unless asked for.
 */
final class JsonFields {

    private final JsonNode node;
    private final String source;

    JsonFields(JsonNode node, String source) {
        if (node == null || !node.isObject()) {
            throw new ModelFileException(source + ": expected a JSON object");
        }
        this.node = node;
        this.source = source;
    }

    String source() {
        return source;
    }

    boolean has(String field) {
        return node.hasNonNull(field);
    }

    int requiredInt(String field) {
        if (!has(field)) {
            throw new ModelFileException(source + ": field '" + field + "' is missing");
        }
        return integer(field, 0);
    }

    int integer(String field, int fallback) {
        JsonNode v = node.get(field);
        if (v == null || v.isNull()) {
            return fallback;
        }
        if (!v.canConvertToInt() || !(v.isIntegralNumber() || v.isNumber() && v.asDouble() == Math.rint(v.asDouble()))) {
            throw bad(field, "an integer", v);
        }
        return v.asInt();
    }

    long longInteger(String field, long fallback) {
        JsonNode v = node.get(field);
        if (v == null || v.isNull()) {
            return fallback;
        }
        if (!v.isIntegralNumber() || !v.canConvertToLong()) {
            throw bad(field, "an integer", v);
        }
        return v.asLong();
    }

    double number(String field, double fallback) {
        return optionalNumber(field).orElse(fallback);
    }

    /** A number, or empty when the field is absent or {@code null} (a switched-off loss weight). */
    Optional<Double> optionalNumber(String field) {
        JsonNode v = node.get(field);
        if (v == null || v.isNull()) {
            return Optional.empty();
        }
        if (!v.isNumber()) {
            throw bad(field, "a number", v);
        }
        return Optional.of(v.asDouble());
    }

    boolean bool(String field, boolean fallback) {
        JsonNode v = node.get(field);
        if (v == null || v.isNull()) {
            return fallback;
        }
        if (!v.isBoolean()) {
            throw bad(field, "true or false", v);
        }
        return v.asBoolean();
    }

    String string(String field, String fallback) {
        JsonNode v = node.get(field);
        if (v == null || v.isNull()) {
            return fallback;
        }
        if (!v.isTextual()) {
            throw bad(field, "a string", v);
        }
        return v.asText();
    }

    /** A list of integers, or empty when absent or {@code null}. */
    Optional<List<Integer>> intList(String field) {
        JsonNode v = node.get(field);
        if (v == null || v.isNull()) {
            return Optional.empty();
        }
        if (!v.isArray()) {
            throw bad(field, "a list of integers", v);
        }
        List<Integer> out = new ArrayList<>();
        for (JsonNode e : v) {
            if (!e.isIntegralNumber()) {
                throw bad(field, "a list of integers", v);
            }
            out.add(e.asInt());
        }
        return Optional.of(List.copyOf(out));
    }

    /** Fails with the file and field unless {@code ok}. */
    void check(boolean ok, String field, String expected) {
        if (!ok) {
            throw new ModelFileException(source + ": field '" + field + "' " + expected + ", got "
                    + (node.has(field) ? node.get(field) : "nothing"));
        }
    }

    private ModelFileException bad(String field, String expected, JsonNode v) {
        return new ModelFileException(source + ": field '" + field + "' must be " + expected + ", got " + v);
    }
}
