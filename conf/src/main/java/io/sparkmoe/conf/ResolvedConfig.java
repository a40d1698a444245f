package io.sparkmoe.conf;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigOriginFactory;
import com.typesafe.config.ConfigRenderOptions;
import com.typesafe.config.ConfigValueFactory;

import java.util.List;
import java.util.Map;

/**
 * A validated configuration together with every key's resolved value, so it can be written out in
 * full ({@code config.conf} of a run directory, inside checkpoints) and read back to the same record.
 *
 * @param config the typed configuration
 * @param keys   the schema, in reading order
 * @param values path → rendered value ({@code null} for unset)
 */
public record ResolvedConfig(SparkMoeConfig config, List<Key<?>> keys, Map<String, Object> values) {

    /** The complete configuration as HOCON, each key preceded by its meaning; {@code null} marks unset. */
    public String render() {
        Config out = ConfigFactory.empty();
        for (Key<?> key : keys) {
            out = out.withValue(key.path(), ConfigValueFactory.fromAnyRef(values.get(key.path()))
                    .withOrigin(ConfigOriginFactory.newSimple("resolved").withComments(List.of(" " + key.doc()))));
        }
        String body = out.root().render(ConfigRenderOptions.defaults()
                .setOriginComments(false).setComments(true).setJson(false).setFormatted(true));
        return "# SparkMoE configuration, fully resolved: every key with its value (null = unset).\n" + body;
    }
}
