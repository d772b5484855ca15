package dev.kiln.benchmarks.e2e;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Function;

/**
 * The runner's one table, in markdown: a row per workload; per framework, training and inference samples/s,
 * peak resident memory and (when measured) accuracy; and, when Kiln ran, Kiln's ratio to each peer.
 */
final class Table {

    static final String KILN = "kiln";

    private Table() {}

    static String markdown(List<Workload> workloads, List<String> frameworks, List<Run> runs, boolean accuracy) {
        var header = new ArrayList<String>();
        header.add("workload");
        addColumns(header, "train/s", frameworks);
        addColumns(header, "infer/s", frameworks);
        addColumns(header, "peak RSS MiB", frameworks);
        if (accuracy) addColumns(header, "accuracy", frameworks);
        List<String> peers = frameworks.contains(KILN)
                ? frameworks.stream().filter(framework -> !framework.equals(KILN)).toList() : List.of();
        for (String peer : peers) header.add("kiln/" + peer + " train");
        for (String peer : peers) header.add("kiln/" + peer + " infer");

        var out = new StringBuilder(row(header));
        out.append(row(header.stream().map(column -> column.equals("workload") ? "---" : "---:").toList()));
        for (Workload workload : workloads) {
            var cells = new ArrayList<String>();
            cells.add(workload.id());
            addCells(cells, workload, frameworks, runs, r -> number(r.trainSamplesPerSecond()));
            addCells(cells, workload, frameworks, runs, r -> number(r.inferenceSamplesPerSecond()));
            addCells(cells, workload, frameworks, runs, r -> number(r.peakRssMib()));
            if (accuracy) {
                addCells(cells, workload, frameworks, runs, r -> r.accuracy() == null ? "—" : fixed(r.accuracy(), 3));
            }
            for (String peer : peers) cells.add(ratio(workload, runs, peer, Result::trainSamplesPerSecond));
            for (String peer : peers) cells.add(ratio(workload, runs, peer, Result::inferenceSamplesPerSecond));
            out.append(row(cells));
        }
        return out.toString();
    }

    /** A line per run: its wall time and chunk rates, or why it failed; these show how noisy the table is. */
    static String runNotes(List<Run> runs) {
        var out = new StringBuilder();
        for (Run run : runs) {
            out.append("- ").append(run.workload().id()).append(' ').append(run.framework()).append(": ")
                    .append(fixed(run.seconds(), 0)).append(" s; ");
            if (run.result() == null) {
                out.append("failed: ").append(run.failure());
            } else {
                out.append("train chunks ").append(numbers(run.result().trainChunks()))
                        .append("; infer chunks ").append(numbers(run.result().inferenceChunks()));
            }
            out.append('\n');
        }
        return out.toString();
    }

    private static void addColumns(List<String> header, String measure, List<String> frameworks) {
        for (String framework : frameworks) header.add(measure + " " + framework);
    }

    private static void addCells(List<String> cells, Workload workload, List<String> frameworks, List<Run> runs,
                                 Function<Result, String> cell) {
        for (String framework : frameworks) {
            cells.add(find(runs, workload, framework)
                    .map(run -> run.result() == null ? "failed" : cell.apply(run.result()))
                    .orElse("—"));
        }
    }

    private static String ratio(Workload workload, List<Run> runs, String peer, Function<Result, Double> measure) {
        Optional<Result> kiln = find(runs, workload, KILN).map(Run::result);
        Optional<Result> other = find(runs, workload, peer).map(Run::result);
        if (kiln.isEmpty() || other.isEmpty()) return "—";
        return fixed(measure.apply(kiln.get()) / measure.apply(other.get()), 2) + "×";
    }

    private static Optional<Run> find(List<Run> runs, Workload workload, String framework) {
        return runs.stream().filter(run -> run.workload() == workload && run.framework().equals(framework)).findFirst();
    }

    private static String row(List<String> cells) { return "| " + String.join(" | ", cells) + " |\n"; }

    private static String number(double value) { return String.format(Locale.ROOT, "%,.0f", value); }

    private static String fixed(double value, int decimals) {
        return String.format(Locale.ROOT, "%." + decimals + "f", value);
    }

    private static String numbers(double[] values) {
        return String.join(", ", Arrays.stream(values).mapToObj(Table::number).toList());
    }
}
