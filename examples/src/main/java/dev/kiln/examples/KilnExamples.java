package dev.kiln.examples;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The {@code kiln-examples} command: {@code kiln-examples <program> [options]}, {@code --help} for the list. */
public final class KilnExamples {

    private static final List<Program> PROGRAMS = List.of(new ImdbCnn(), new ImdbBow(), new ImdbLstm(false), new ImdbLstm(true), new ImdbTransformer(), new Env());

    private KilnExamples() {}

    public static void main(String[] args) {
        Map<String, Program> byName = new LinkedHashMap<>();
        for (Program p : PROGRAMS) byName.put(p.name(), p);
        if (args.length == 0 || args[0].equals("--help") || args[0].equals("-h")) {
            printHelp(byName);
            return;
        }
        Program program = byName.get(args[0]);
        if (program == null) {
            System.err.println("Unknown program '" + args[0] + "'. Expected one of: " + String.join(", ", byName.keySet()));
            System.exit(2);
        }
        try {
            Options options = Options.parse(args, 1);
            if (options.has("help")) {
                System.out.println("kiln-examples " + program.name() + ": " + program.summary() + "\n\nOptions:\n" + program.usage());
                return;
            }
            program.run(options);
        } catch (IllegalArgumentException | IllegalStateException e) {
            System.err.println("kiln-examples " + program.name() + ": " + e.getMessage());
            System.exit(2);
        } catch (Exception e) {
            System.err.println("kiln-examples " + program.name() + " failed: " + e);
            e.printStackTrace();
            System.exit(1);
        }
    }

    private static void printHelp(Map<String, Program> programs) {
        System.out.println("Usage: kiln-examples <program> [options]   (kiln-examples <program> --help for its options)\n\nPrograms:");
        programs.values().forEach(p -> System.out.printf("  %-18s %s%n", p.name(), p.summary()));
    }
}
