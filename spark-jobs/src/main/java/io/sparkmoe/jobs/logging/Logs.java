package io.sparkmoe.jobs.logging;

import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.core.Appender;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.ConsoleAppender;
import org.apache.logging.log4j.core.appender.FileAppender;
import org.apache.logging.log4j.core.config.Configuration;
import org.apache.logging.log4j.core.config.Configurator;
import org.apache.logging.log4j.core.config.LoggerConfig;
import org.apache.logging.log4j.core.config.builder.api.ConfigurationBuilder;
import org.apache.logging.log4j.core.config.builder.api.ConfigurationBuilderFactory;
import org.apache.logging.log4j.core.config.builder.impl.BuiltConfiguration;
import org.apache.logging.log4j.core.layout.PatternLayout;

import java.nio.file.Path;
import java.util.Locale;

/**
 * Logging through Spark's log4j2: quiet on the console (other libraries at {@code run.console-level},
 * SparkMoE's own progress at INFO), everything at INFO and above in the run directory's log file.
 *
 * <p>Configured programmatically before Spark starts, so Spark sees a non-default configuration and
 * keeps it instead of loading its own chatty defaults.
 */
public final class Logs {

    /** Loggers under this name are SparkMoE's own. */
    public static final String OURS = "io.sparkmoe";
    private static final String CONSOLE = "console";
    private static final String PATTERN = "%d{HH:mm:ss} %-5level %c{1}: %msg%n";

    private Logs() {
    }

    /** Console only: libraries at {@code level} and above, SparkMoE at INFO and above. */
    public static void configureConsole(String level) {
        Level console = Level.valueOf(level.toUpperCase(Locale.ROOT));
        ConfigurationBuilder<BuiltConfiguration> b = ConfigurationBuilderFactory.newConfigurationBuilder();
        b.setConfigurationName("sparkmoe");
        b.add(b.newAppender(CONSOLE, "Console")
                .addAttribute("target", ConsoleAppender.Target.SYSTEM_ERR)
                .add(b.newLayout("PatternLayout").addAttribute("pattern", PATTERN)));
        b.add(b.newRootLogger(Level.INFO).add(b.newAppenderRef(CONSOLE).addAttribute("level", console)));
        b.add(b.newLogger(OURS, Level.INFO).addAttribute("additivity", false).add(b.newAppenderRef(CONSOLE)));
        Configurator.reconfigure(b.build());
    }

    /** Adds a log file with full detail (INFO and above, every library) to the current configuration. */
    public static void attachFile(Path file) {
        LoggerContext ctx = LoggerContext.getContext(false);
        Configuration config = ctx.getConfiguration();
        Appender appender = FileAppender.newBuilder()
                .setName("run-file")
                .withFileName(file.toString())
                .setLayout(PatternLayout.newBuilder().withPattern("%d{ISO8601} %-5level [%t] %c: %msg%n")
                        .withConfiguration(config).build())
                .setConfiguration(config)
                .build();
        appender.start();
        config.addAppender(appender);
        for (LoggerConfig logger : config.getLoggers().values()) {
            logger.addAppender(appender, Level.INFO, null);
        }
        config.getRootLogger().addAppender(appender, Level.INFO, null);
        ctx.updateLoggers();
    }
}
