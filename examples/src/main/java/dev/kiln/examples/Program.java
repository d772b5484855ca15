package dev.kiln.examples;

/** One program of the {@code kiln-examples} command. */
interface Program {

    /** The name on the command line, e.g. "imdb-cnn". */
    String name();

    /** One line for the program list. */
    String summary();

    /** The options this program reads, one per line, for {@code --help}. */
    String usage();

    void run(Options options) throws Exception;
}
