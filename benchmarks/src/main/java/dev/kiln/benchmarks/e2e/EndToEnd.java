package dev.kiln.benchmarks.e2e;

import dev.kiln.benchmarks.e2e.dl4j.Dl4jTrainer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The end-to-end benchmark of issue 11: trains W1–W3 with each framework on identical data and prints one
 * table of training and inference samples/s, peak resident memory and, with {@code --accuracy}, IMDB test
 * accuracy, with Kiln's ratio to each peer when Kiln runs. Run it through benchmarks/run-e2e.sh.
 *
 * <p>Every framework and workload runs in its own child process (so that peak memory is its own), one at a
 * time, with the same environment: {@code OMP_NUM_THREADS=--threads} and {@code OMP_WAIT_POLICY=PASSIVE}. JVM
 * frameworks are the {@link #TRAINERS}, run as {@code EndToEnd --child <framework>}; PyTorch is
 * benchmarks/pytorch/e2e.py, skipped with a note when no python3 imports torch.
 */
public final class EndToEnd {

    /** The JVM frameworks. Kiln's trainer goes here; the table shows a "kiln" column and ratios once it does. */
    static final List<Trainer> TRAINERS = List.of(new Dl4jTrainer());

    static final String PYTORCH = "pytorch";

    private static final Set<String> SWITCHES = Set.of("--accuracy", "--help");
    private static final Set<String> RUNNER_FLAGS = Set.of("--workloads", "--frameworks", "--python",
            "--pytorch-script", "--markdown", "--jvm-opts", "--imdb", "--timeout", "--command");
    private static final Set<String> CHILD_FLAGS = Set.of("--child", "--workload", "--data");
    private static final String USAGE = """
            Usage: run-e2e.sh [options]
              --workloads W1,W2-32,W2-128,W3   which workloads (default: all)
              --frameworks dl4j,pytorch        which frameworks (default: every registered one, and pytorch)
              --threads N      native threads for every framework (default 2)
              --warmup N       untimed training steps (default 10)
              --chunks N       timed chunks; rates are their median (default 5)
              --steps N        training steps per chunk (default 20)
              --infer-steps N  inference batches per chunk (default 2)
              --infer-batch N  inference batch size (default 256)
              --accuracy       also train --epochs epochs on the real IMDB data and report test accuracy (slow)
              --epochs N       epochs for --accuracy (default 2)
              --seed N         seed for data, initialization and dropout (default 1)
              --imdb DIR       the IMDB files (default: the kiln.shared.data property + /imdb)
              --python PATH    python3 with torch (default: /usr/bin/python3, then python3)
              --pytorch-script PATH  benchmarks/pytorch/e2e.py (default: found below the working directory)
              --jvm-opts "..."  options of each child JVM (default "-Xmx2g -Xmn128m")
              --timeout S      seconds before a child is stopped (default 3600)
              --markdown FILE  where to write the results (default e2e-results.md)
            """;

    private EndToEnd() {}

    public static void main(String[] args) throws Exception {
        Map<String, String> flags = flags(args);
        if (flags.containsKey("--help")) {
            System.out.print(USAGE);
        } else if (flags.containsKey("--child")) {
            child(flags);
        } else {
            run(flags, args);
        }
    }

    /** In a child JVM: one framework on one workload, printing the result line. */
    private static void child(Map<String, String> flags) throws Exception {
        var options = Options.from(flags);
        var data = Data.read(Path.of(required(flags, "--data")), options.accuracy());
        Result result = trainer(required(flags, "--child")).run(Workload.of(required(flags, "--workload")), options, data);
        System.out.println(result.toLine());
        System.out.flush();
        System.exit(0);  // DL4J and ND4J leave non-daemon threads behind
    }

    private static void run(Map<String, String> flags, String[] args) throws Exception {
        var options = Options.from(flags);
        List<Workload> workloads = Arrays.stream(flags.getOrDefault("--workloads", "W1,W2-32,W2-128,W3").split(","))
                .map(Workload::of).toList();
        var notes = new ArrayList<String>();
        var commands = new LinkedHashMap<String, List<String>>();  // framework → command prefix
        var javaCommand = javaCommand(flags.getOrDefault("--jvm-opts", "-Xmx2g -Xmn128m"));
        for (Trainer trainer : TRAINERS) commands.put(trainer.framework(), append(javaCommand, "--child", trainer.framework()));
        var python = PyTorch.interpreter(flags.get("--python"));
        var script = PyTorch.script(flags.get("--pytorch-script"));
        if (python.isPresent() && script.isPresent()) {
            commands.put(PYTORCH, List.of(python.get(), script.get().toString()));
        } else {
            notes.add(python.isEmpty() ? "PyTorch skipped: no python3 here imports torch (apt-get install python3-torch"
                    + " libopenblas0-openmp)." : "PyTorch skipped: benchmarks/pytorch/e2e.py not found (--pytorch-script).");
        }
        if (flags.containsKey("--frameworks")) {
            var wanted = List.of(flags.get("--frameworks").split(","));
            commands.keySet().retainAll(wanted);
        }
        List<String> frameworks = commands.keySet().stream()
                .sorted(Comparator.comparing(framework -> !framework.equals(Table.KILN))).toList();

        Path imdb = Path.of(flags.getOrDefault("--imdb", System.getProperty("kiln.shared.data", "../shared/data") + "/imdb"));
        if (options.accuracy() && !Files.isRegularFile(imdb.resolve("keras_train.tsv.gz"))) {
            throw new IllegalArgumentException("--accuracy needs keras_train.tsv.gz and keras_test.tsv.gz in " + imdb
                    + " (set --imdb)");
        }
        Path data = Files.createTempDirectory("kiln-e2e");
        var runs = new ArrayList<Run>();
        try {
            Data.write(data, options, imdb);
            int timeout = Integer.parseInt(flags.getOrDefault("--timeout", "3600"));
            for (Workload workload : workloads) {
                for (String framework : frameworks) {
                    var command = new ArrayList<>(commands.get(framework));
                    command.addAll(List.of("--workload", workload.id(), "--data", data.toString()));
                    command.addAll(options.toArgs());
                    Run run = child(workload, framework, command, options.threads(), timeout);
                    System.err.println(progress(run));
                    runs.add(run);
                }
            }
        } finally {
            try (Stream<Path> files = Files.list(data)) {
                for (Path file : files.toList()) Files.delete(file);
            }
            Files.delete(data);
        }
        String command = flags.getOrDefault("--command", "EndToEnd " + String.join(" ", args));
        String report = report(workloads, frameworks, runs, options, notes, command);
        System.out.print(report);
        Path markdown = Path.of(flags.getOrDefault("--markdown", "e2e-results.md"));
        Files.writeString(markdown, report, StandardCharsets.UTF_8);
        System.err.println("Wrote " + markdown.toAbsolutePath());
    }

    /** Runs one child with the shared environment and reads its result line. */
    static Run child(Workload workload, String framework, List<String> command, int threads, int timeoutSeconds)
            throws IOException, InterruptedException {
        Path log = Files.createTempFile("kiln-e2e-" + framework + "-" + workload.id(), ".log");
        var builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
        Map<String, String> environment = builder.environment();
        environment.put("OMP_NUM_THREADS", Integer.toString(threads));
        environment.put("OMP_WAIT_POLICY", "PASSIVE");
        environment.remove("KILN_THREADS");  // Kiln would prefer it to OMP_NUM_THREADS; the peers don't read it
        long start = System.nanoTime();
        Process process = builder.start();
        boolean finished = process.waitFor(timeoutSeconds, TimeUnit.SECONDS);
        if (!finished) process.destroyForcibly().waitFor();
        double seconds = (System.nanoTime() - start) / 1e9;
        String output = Files.readString(log, StandardCharsets.UTF_8);
        Files.delete(log);
        var result = Result.parse(output);
        if (finished && process.exitValue() == 0 && result.isPresent()) {
            return new Run(workload, framework, result.get(), null, seconds);
        }
        String why = !finished ? "timed out after " + timeoutSeconds + " s"
                : process.exitValue() != 0 ? "exit status " + process.exitValue() : "no result line";
        System.err.println(framework + " " + workload.id() + " failed (" + why + "); its output ends:\n" + tail(output, 3000));
        return new Run(workload, framework, null, why, seconds);
    }

    private static String report(List<Workload> workloads, List<String> frameworks, List<Run> runs, Options options,
                                 List<String> notes, String command) {
        var versions = new LinkedHashMap<String, String>();
        for (Run run : runs) {
            if (run.result() != null) versions.putIfAbsent(run.framework(), run.result().version());
        }
        var out = new StringBuilder();
        out.append("## End-to-end training throughput (").append(DateTimeFormatter.ISO_LOCAL_DATE.format(ZonedDateTime.now()))
                .append(")\n\n");
        out.append("- Machine: ").append(Machine.cpu()).append("; Java ").append(System.getProperty("java.version"))
                .append('\n');
        versions.forEach((framework, version) -> out.append("- ").append(framework).append(": ").append(version).append('\n'));
        out.append("- Protocol: ").append(options.threads()).append(" threads, OMP_WAIT_POLICY=PASSIVE; training ")
                .append(options.warmupSteps()).append(" warm-up steps, then the median of ").append(options.chunks())
                .append(" chunks of ").append(options.chunkSteps()).append(" steps; inference batch ")
                .append(options.inferenceBatchSize()).append(", median of ").append(options.chunks()).append(" chunks of ")
                .append(options.inferenceBatches()).append(" batches; synthetic tokens in [1, 10000), length 100");
        if (options.accuracy()) out.append("; accuracy after ").append(options.epochs()).append(" epochs on IMDB (25k/25k)");
        out.append(".\n- Command: `").append(command).append("`\n");
        for (String note : notes) out.append("- ").append(note).append('\n');
        out.append('\n').append(Table.markdown(workloads, frameworks, runs, options.accuracy()));
        out.append("\nRuns:\n\n").append(Table.runNotes(runs));
        return out.toString();
    }

    private static String progress(Run run) {
        if (run.result() == null) return run.workload().id() + " " + run.framework() + ": failed, " + run.failure();
        return String.format(java.util.Locale.ROOT, "%s %s: train %.0f/s, infer %.0f/s, peak RSS %.0f MiB%s (%.0f s)",
                run.workload().id(), run.framework(), run.result().trainSamplesPerSecond(),
                run.result().inferenceSamplesPerSecond(), run.result().peakRssMib(),
                run.result().accuracy() == null ? "" : String.format(java.util.Locale.ROOT, ", accuracy %.3f", run.result().accuracy()),
                run.seconds());
    }

    private static List<String> javaCommand(String jvmOptions) {
        var command = new ArrayList<String>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        if (!jvmOptions.isBlank()) command.addAll(List.of(jvmOptions.trim().split("\\s+")));
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), EndToEnd.class.getName()));
        return command;
    }

    private static Trainer trainer(String framework) {
        return TRAINERS.stream().filter(t -> t.framework().equals(framework)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("No trainer for " + framework + ". Registered: "
                        + TRAINERS.stream().map(Trainer::framework).toList()));
    }

    /** Parses {@code --flag value} pairs and the value-less {@link #SWITCHES}; rejects unknown flags. */
    static Map<String, String> flags(String[] args) {
        var flags = new HashMap<String, String>();
        for (int i = 0; i < args.length; i++) {
            String flag = args[i];
            boolean known = SWITCHES.contains(flag) || RUNNER_FLAGS.contains(flag) || CHILD_FLAGS.contains(flag)
                    || Options.DEFAULTS.containsKey(flag);
            if (!known) throw new IllegalArgumentException("Unknown option " + flag + "\n" + USAGE);
            if (SWITCHES.contains(flag)) {
                flags.put(flag, "true");
            } else if (i + 1 < args.length) {
                flags.put(flag, args[++i]);
            } else {
                throw new IllegalArgumentException(flag + " expects a value");
            }
        }
        return flags;
    }

    private static String required(Map<String, String> flags, String flag) {
        String value = flags.get(flag);
        if (value == null) throw new IllegalArgumentException(flag + " is required");
        return value;
    }

    private static List<String> append(List<String> list, String... more) {
        var out = new ArrayList<>(list);
        out.addAll(List.of(more));
        return out;
    }

    private static String tail(String text, int characters) {
        return text.length() <= characters ? text : "..." + text.substring(text.length() - characters);
    }
}
