package dev.kiln.benchmarks.e2e;

/**
 * One JVM framework's side of the end-to-end benchmark. The runner starts a child JVM per framework and
 * workload ({@code EndToEnd --child <framework()>}); there, {@link #run} trains and measures, and the child
 * prints the returned {@link Result}. Register an implementation in {@link EndToEnd#TRAINERS}.
 *
 * <p>Most trainers only build their model and hand it to {@link Protocol#run}, which follows the shared
 * protocol; one that must drive its own loop (a {@code fit} with callbacks, say) follows the protocol
 * described there.
 */
public interface Trainer {

    /** The framework's column name: "kiln", "dl4j". The runner shows Kiln's ratios to the others when "kiln" runs. */
    String framework();

    /** The framework's version, for the results' header. */
    String version();

    /** Trains and measures one workload in this process. */
    Result run(Workload workload, Options options, Data data) throws Exception;
}
