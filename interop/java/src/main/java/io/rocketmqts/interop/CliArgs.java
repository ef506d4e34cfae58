package io.rocketmqts.interop;

import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/**
 * {@code --name value} command-line options for the interop programs. Unknown options, a missing
 * value or a malformed number fail with a message naming the option and the program's usage.
 */
final class CliArgs {

    private final String usage;
    private final Map<String, String> values = new HashMap<>();

    CliArgs(String usage, Set<String> known, String[] args) {
        this.usage = usage;
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            if (arg.equals("--help") || arg.equals("-h")) {
                System.out.println(usage);
                System.exit(0);
            }
            if (!arg.startsWith("--")) {
                throw fail("unexpected argument '" + arg + "'");
            }
            String name = arg.substring(2);
            if (!known.contains(name)) {
                throw fail("unknown option --" + name);
            }
            if (i + 1 >= args.length) {
                throw fail("option --" + name + " needs a value");
            }
            values.put(name, args[++i]);
        }
    }

    static Set<String> names(String... names) {
        return new LinkedHashSet<>(java.util.Arrays.asList(names));
    }

    String required(String name) {
        String v = values.get(name);
        if (v == null || v.isEmpty()) {
            throw fail("option --" + name + " is required");
        }
        return v;
    }

    String string(String name, String def) {
        String v = values.get(name);
        return v == null ? def : v;
    }

    int integer(String name, int def) {
        String v = values.get(name);
        if (v == null) {
            return def;
        }
        try {
            return Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw fail("option --" + name + " must be an integer, got '" + v + "'");
        }
    }

    long longValue(String name, long def) {
        String v = values.get(name);
        if (v == null) {
            return def;
        }
        try {
            return Long.parseLong(v);
        } catch (NumberFormatException e) {
            throw fail("option --" + name + " must be an integer, got '" + v + "'");
        }
    }

    IllegalArgumentException fail(String message) {
        return new IllegalArgumentException(message + "\n" + usage);
    }
}
