package io.sparkmoe.conf;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigOrigin;
import com.typesafe.config.ConfigOriginFactory;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueFactory;

import java.util.List;
import java.util.regex.Pattern;

/**
 * Command-line {@code key=value} overrides.
 *
 * <p>The value is read as HOCON only when it looks like a number, boolean, {@code null}, list, object
 * or quoted string; anything else is taken literally. This matters: in HOCON {@code //} starts a
 * comment and {@code [} a list, so {@code data.input=hdfs://nn:8020/x} or {@code cluster.master=local[2]}
 * would silently become something else.
 */
public final class Overrides {

    private static final Pattern KEY = Pattern.compile("[A-Za-z0-9_-]+(\\.[A-Za-z0-9_-]+)*");
    private static final Pattern HOCON_LITERAL =
            Pattern.compile("-?\\d+(\\.\\d+)?([eE][-+]?\\d+)?|true|false|null|\\[.*]|\\{.*}|\".*\"", Pattern.DOTALL);

    private Overrides() {
    }

    /** Parses the arguments, collecting every malformed one into {@code problems}. */
    public static Config parse(List<String> args, List<ConfigProblem> problems) {
        Config out = ConfigFactory.empty();
        for (String arg : args) {
            int eq = arg.indexOf('=');
            String origin = "command line '" + arg + "'";
            String key = eq < 0 ? arg : arg.substring(0, eq).trim();
            if (eq < 0 || !KEY.matcher(key).matches()) {
                problems.add(new ConfigProblem(key, origin, "expected key=value with a dotted key such as model.layers=4"));
                continue;
            }
            String text = arg.substring(eq + 1).trim();
            ConfigOrigin where = ConfigOriginFactory.newSimple(origin);
            ConfigValue value;
            if (HOCON_LITERAL.matcher(text).matches()) {
                try {
                    value = ConfigFactory.parseString("v = " + text).root().get("v").withOrigin(where);
                } catch (ConfigException e) {
                    problems.add(new ConfigProblem(key, origin, "cannot parse the value: " + e.getMessage()));
                    continue;
                }
            } else {
                value = ConfigValueFactory.fromAnyRef(text).withOrigin(where);
            }
            out = out.withValue(key, value);
        }
        return out;
    }
}
