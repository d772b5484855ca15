package dev.kiln.benchmarks;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.CommandLineOptions;
import org.openjdk.jmh.runner.options.OptionsBuilder;

/**
 * Runs JMH benchmarks (those JMH's options name, else {@link KernelBenchmarks}), then prints their results as one
 * Markdown table: the rate, and for the products GFLOP/s and their share of the sgemm rates measured in the same run
 * on all threads and on one, the machine's limits. {@code benchmarks/run-jmh.sh --report [JMH options]} runs it.
 */
public final class KernelReport {

    private KernelReport() {}

    public static void main(String[] args) throws Exception {
        var options = new CommandLineOptions(args);
        var builder = new OptionsBuilder().parent(options);
        if (options.getIncludes().isEmpty()) builder.include(KernelBenchmarks.class.getName());
        Collection<RunResult> results = new Runner(builder.build()).run();
        System.out.println();
        System.out.print(table(rows(results)));
    }

    /** One result: a benchmark's method, its parameters ("" if none), and its score with the 99.9% error. */
    record Row(String benchmark, String parameters, double score, double error, String unit) {}

    private static List<Row> rows(Collection<RunResult> results) {
        var rows = new ArrayList<Row>();
        for (RunResult result : results) {
            var params = result.getParams();
            String method = params.getBenchmark().substring(params.getBenchmark().lastIndexOf('.') + 1);
            String parameters = String.join(", ", params.getParamsKeys().stream().map(key -> key + "=" + params.getParam(key)).toList());
            rows.add(row(method, parameters, result.getPrimaryResult()));
            for (Map.Entry<String, Result> secondary : result.getSecondaryResults().entrySet()) {
                rows.add(row(method + ":" + secondary.getKey(), parameters, secondary.getValue()));
            }
        }
        return rows;
    }

    private static Row row(String benchmark, String parameters, Result<?> result) {
        return new Row(benchmark, parameters, result.getScore(), result.getScoreError(), result.getScoreUnit());
    }

    /**
     * The table: GFLOP/s where the benchmark is one of {@link KernelBenchmarks#FLOP_PER_OPERATION}'s products
     * measured in operations per second, and their share of {@code sgemm}'s and {@code sgemmOneThread}'s GFLOP/s
     * when those ran too.
     */
    static String table(List<Row> rows) {
        double allThreads = limit(rows, "sgemm"), oneThread = limit(rows, "sgemmOneThread");
        var out = new StringBuilder("| benchmark | parameters | rate | GFLOP/s | share of sgemm | share of one-thread sgemm |\n"
                + "| --- | --- | ---: | ---: | ---: | ---: |\n");
        for (Row row : rows) {
            double gflops = gflops(row);
            String gflopsText = Double.isNaN(gflops) ? "" : String.format(Locale.ROOT, "%.1f", gflops);
            out.append(String.format(Locale.ROOT, "| %s | %s | %s ± %s %s | %s | %s | %s |%n", row.benchmark(), row.parameters(),
                    number(row.score()), number(row.error()), row.unit(), gflopsText, share(gflops, allThreads), share(gflops, oneThread)));
        }
        return out.toString();
    }

    private static double limit(List<Row> rows, String sgemm) {
        return rows.stream().filter(row -> row.benchmark().equals(sgemm)).mapToDouble(KernelReport::gflops).findFirst().orElse(Double.NaN);
    }

    private static String share(double gflops, double limit) {
        return Double.isNaN(gflops) || Double.isNaN(limit) ? "" : String.format(Locale.ROOT, "%.0f%%", 100 * gflops / limit);
    }

    /** GFLOP/s of a product's row; NaN for other benchmarks and other units. */
    private static double gflops(Row row) {
        Double flop = KernelBenchmarks.FLOP_PER_OPERATION.get(row.benchmark());
        return flop == null || !row.unit().equals("ops/s") ? Double.NaN : row.score() * flop / 1e9;
    }

    /** Three significant figures at least, thousands grouped: 1,250, 12.5, 0.0413. */
    private static String number(double value) {
        if (Double.isNaN(value)) return "NaN";
        double magnitude = Math.abs(value);
        if (magnitude >= 100) return String.format(Locale.ROOT, "%,.0f", value);
        if (magnitude >= 1) return String.format(Locale.ROOT, "%.2f", value);
        return String.format(Locale.ROOT, "%.3g", value);
    }
}
