package io.sparkmoe.conf;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Builds a validated {@link SparkMoeConfig} from, highest priority first: command-line overrides, an
 * optional HOCON file, the preset named by the key {@code preset} (default {@code tiny}), and the keys'
 * own defaults. Every problem in all of them is reported in one {@link InvalidConfigException}.
 */
public final class ConfigLoader {

    private ConfigLoader() {
    }

    /** Loads {@code file} (if given) under {@code overrides}, over the preset they name. */
    public static ResolvedConfig load(Optional<Path> file, List<String> overrides) {
        List<ConfigProblem> problems = new ArrayList<>();
        Config user = Overrides.parse(overrides, problems);
        if (file.isPresent()) {
            Path p = file.get();
            if (!Files.isRegularFile(p)) {
                problems.add(new ConfigProblem("--conf", p.toString(), "no such configuration file"));
            } else {
                try {
                    user = user.withFallback(ConfigFactory.parseFile(p.toFile(),
                            ConfigParseOptions.defaults().setAllowMissing(false)));
                } catch (ConfigException e) {
                    problems.add(new ConfigProblem("--conf", ConfigReader.describe(e.origin()),
                            "cannot parse HOCON: " + e.getMessage()));
                }
            }
        }
        return resolve(user, problems);
    }

    /** Reads a configuration written by {@link ResolvedConfig#render()} (or any HOCON text). */
    public static ResolvedConfig parse(String hocon, String originDescription) {
        List<ConfigProblem> problems = new ArrayList<>();
        Config user = ConfigFactory.empty();
        try {
            user = ConfigFactory.parseString(hocon, ConfigParseOptions.defaults().setOriginDescription(originDescription));
        } catch (ConfigException e) {
            problems.add(new ConfigProblem("", ConfigReader.describe(e.origin()), "cannot parse HOCON: " + e.getMessage()));
        }
        return resolve(user, problems);
    }

    /** Every key of the schema, in order, with its defaults: the reference for {@code --help} and docs. */
    public static List<Key<?>> schema() {
        ConfigReader reader = new ConfigReader(ConfigFactory.empty().root());
        SparkMoeConfig.read(reader);
        return reader.keys();
    }

    private static ResolvedConfig resolve(Config user, List<ConfigProblem> problems) {
        ConfigValue presetValue = user.root().get("preset");
        String preset = presetValue != null && presetValue.valueType() == ConfigValueType.STRING
                && Presets.NAMES.contains((String) presetValue.unwrapped())
                ? (String) presetValue.unwrapped() : Presets.DEFAULT;
        Config merged = user.withFallback(Presets.load(preset));
        try {
            merged = merged.resolve();
        } catch (ConfigException e) {
            problems.add(new ConfigProblem("", ConfigReader.describe(e.origin()), e.getMessage()));
        }
        ConfigReader reader = new ConfigReader(merged.root());
        SparkMoeConfig config = SparkMoeConfig.read(reader);
        List<ConfigProblem> all = new ArrayList<>(problems);
        try {
            reader.finish();
        } catch (InvalidConfigException e) {
            all.addAll(e.problems());
        }
        if (!all.isEmpty()) {
            throw new InvalidConfigException(all);
        }
        return new ResolvedConfig(config, reader.keys(), reader.resolvedValues());
    }
}
