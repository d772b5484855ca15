package dev.kiln.examples;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/** Command-line options of the form {@code --name value} or {@code --flag}, with typed getters and defaults. */
final class Options {

    private final Map<String, String> values = new LinkedHashMap<>();

    private Options() {}

    static Options parse(String[] args, int from) {
        var options = new Options();
        for (int i = from; i < args.length; i++) {
            String arg = args[i];
            if (!arg.startsWith("--")) throw new IllegalArgumentException("Expected an option starting with --. Received: '" + arg + "'");
            String name = arg.substring(2);
            String value = "true";
            int eq = name.indexOf('=');
            if (eq >= 0) {
                value = name.substring(eq + 1);
                name = name.substring(0, eq);
            } else if (i + 1 < args.length && !args[i + 1].startsWith("--")) {
                value = args[++i];
            }
            options.values.put(name, value);
        }
        return options;
    }

    boolean has(String name) { return values.containsKey(name); }

    String string(String name, String defaultValue) { return values.getOrDefault(name, defaultValue); }

    Path path(String name) { return has(name) ? Path.of(values.get(name)) : null; }

    int integer(String name, int defaultValue) {
        String v = values.get(name);
        if (v == null) return defaultValue;
        try {
            return Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--" + name + " expects an integer. Received: '" + v + "'");
        }
    }

    long longValue(String name, long defaultValue) {
        String v = values.get(name);
        if (v == null) return defaultValue;
        try {
            return Long.parseLong(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--" + name + " expects an integer. Received: '" + v + "'");
        }
    }

    /** Fails on an option the program does not know, naming it and the ones it does. */
    void requireOnly(Set<String> known) {
        for (String name : values.keySet()) {
            if (!known.contains(name)) {
                throw new IllegalArgumentException("Unknown option --" + name + ". Expected one of: --" + String.join(", --", known));
            }
        }
    }
}
