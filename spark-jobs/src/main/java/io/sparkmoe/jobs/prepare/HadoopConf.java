package io.sparkmoe.jobs.prepare;

import org.apache.hadoop.conf.Configuration;

import java.io.Serializable;
import java.util.HashMap;
import java.util.Map;

/**
 * The driver's Hadoop configuration (including {@code spark.hadoop.*} settings such as S3 credentials),
 * carried into tasks: Hadoop's {@link Configuration} is not serializable, so its entries travel as a map.
 */
final class HadoopConf implements Serializable {

    private static final long serialVersionUID = 1L;

    private final HashMap<String, String> entries = new HashMap<>();
    private transient Configuration conf;

    HadoopConf(Configuration conf) {
        for (Map.Entry<String, String> e : conf) {
            entries.put(e.getKey(), e.getValue());
        }
        this.conf = conf;
    }

    Configuration get() {
        if (conf == null) {
            Configuration c = new Configuration(false);
            entries.forEach(c::set);
            conf = c;
        }
        return conf;
    }
}
