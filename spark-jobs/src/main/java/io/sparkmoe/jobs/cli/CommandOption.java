package io.sparkmoe.jobs.cli;

/**
 * A command-specific option, {@code --name VALUE} (or a flag, {@code --name}, when {@code valueName} is null).
 *
 * @param name      without the dashes
 * @param valueName what the value is, for help ({@code DIR}, {@code N}); null for a flag
 * @param doc       what it does
 */
public record CommandOption(String name, String valueName, String doc) {

    public boolean isFlag() {
        return valueName == null;
    }

    String usage() {
        return "--" + name + (isFlag() ? "" : " " + valueName);
    }
}
