package io.sparkmoe.conf;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The preset files shipped as resources: {@code tiny} (minutes on 2 cores), {@code small} (the PyTorch
 * reference's default shape) and {@code base}. A preset sets only the keys it changes.
 */
public final class Presets {

    public static final List<String> NAMES = List.of("tiny", "small", "base");
    public static final String DEFAULT = "tiny";

    private Presets() {
    }

    static String resource(String name) {
        return "io/sparkmoe/conf/presets/" + name + ".conf";
    }

    /** The preset's settings; throws if the resource is missing (a packaging bug, not a user error). */
    static Config load(String name) {
        try (InputStream in = Presets.class.getClassLoader().getResourceAsStream(resource(name))) {
            if (in == null) {
                throw new IllegalStateException("preset resource " + resource(name) + " is missing from the class path");
            }
            // Parsed from text so that problems point at "preset tiny:8", not at a path inside a jar.
            return ConfigFactory.parseString(new String(in.readAllBytes(), StandardCharsets.UTF_8),
                    ConfigParseOptions.defaults().setOriginDescription("preset " + name));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
