package dev.kiln.benchmarks.e2e;

import dev.kiln.benchmarks.e2e.dl4j.Dl4jTrainer;
import dev.kiln.benchmarks.e2e.kiln.KilnTrainer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The end-to-end benchmark of issue 11: trains W1–W3 with each framework on identical data and prints one
 * table of training and inference samples/s, peak resident memory and, with {@code --accuracy}, IMDB test
 * accuracy, with Kiln's ratio to each peer when Kiln runs. Run it through benchmarks/run-e2e.sh.
 *
 * <p>Every framework and workload runs in its own child process (so that peak memory is its own), one at a
 * time, with the same environment: {@code OMP_NUM_THREADS=--threads}, {@code OMP_WAIT_POLICY=PASSIVE} and
 * {@code OPENBLAS_THREAD_TIMEOUT} (20 unless the runner's own environment sets it: the pthread OpenBLAS that ND4J loads
 * then spins 2^20 cycles after a GEMM, not its default 2^28). JVM
 * frameworks are the {@link #TRAINERS}, run as {@code EndToEnd --child <framework>}; PyTorch is
 * benchmarks/pytorch/e2e.py, skipped with a note when no python3 imports torch.
 */
public final class EndToEnd {

    /** The JVM frameworks. Kiln's trainer goes here; the table shows a "kiln" column and ratios once it does. */
    static final List<Trainer> TRAINERS = List.of(new KilnTrainer(), new Dl4jTrainer());

    static final String PYTORCH = "pytorch";

    /**
     * log2 of the cycles OpenBLAS's pthread workers spin after a call before sleeping, for every child: 20 unless
     * the runner's environment says otherwise (28, OpenBLAS's default, reproduces runs without the setting).
     */
    static final String OPENBLAS_THREAD_TIMEOUT = System.getenv().getOrDefault("OPENBLAS_THREAD_TIMEOUT", "20");

    private static final Set<String> SWITCHES = Set.of("--accuracy", "--help");
    private static final Set<String> RUNNER_FLAGS = Set.of("--workloads", "--frameworks", "--python",
            "--pytorch-script", "--markdown", "--jvm-opts", "--imdb", "--timeout", "--command");
    private static final Set<String> CHILD_FLAGS = Set.of("--child", "--workload", "--data");

    /**
     * Each child JVM's options, for Kiln and DL4J alike. GCTimeRatio=4 lets G1 spend up to a fifth of its time in
     * collections before it grows the heap: the Vector API allocates a Java object for each vector until C2 compiles
     * Kiln's kernels, and G1's default answer to those first seconds of garbage, growing the heap to 600-850 MB whose
     * pages young collections then wander over, showed as 150-300 MiB more of W3's resident memory (README, "Vector API").
     */
    static final String JVM_OPTIONS = "-Xmx2g -Xmn128m -XX:GCTimeRatio=4 --add-modules jdk.incubator.vector";

    private static final String USAGE = """
            Usage: run-e2e.sh [options]
              --workloads W1,W2-32,W2-128,W3   which workloads (default: all)
              --frameworks dl4j,pytorch        which frameworks (default: every registered one, and pytorch)
              --threads N      native threads for every framework (default 2)
              --warmup N       untimed training steps, at least (default 10)
              --warmup-seconds S  seconds of untimed steps, at least (default 5)
              --chunks N       timed chunks; rates are their median (default 5)
              --steps N        training steps per chunk (default 20)
              --infer-steps N  inference batches per chunk (default 10)
              --infer-batch N  inference batch size (default 256)
              --accuracy       also train --epochs epochs on the real IMDB data and report test accuracy (slow)
              --epochs N       epochs for --accuracy (default 2)
              --seed N         seed for data, initialization and dropout (default 1)
              --imdb DIR       the IMDB files (default: the kiln.shared.data property + /imdb)
              --python PATH    python3 with torch (default: /usr/bin/python3, then python3)
              --pytorch-script PATH  benchmarks/pytorch/e2e.py (default: found below the working directory)
              --jvm-opts "..."  options of each child JVM (default "%s")
              --timeout S      seconds before a child is stopped (default 3600)
              --markdown FILE  where to write the results (default e2e-results.md)
            """.formatted(JVM_OPTIONS);

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
        var workload = Workload.of(required(flags, "--workload"));
        System.out.println(trainer(required(flags, "--child")).run(workload, options, data).toLine());
        System.out.flush();
        System.exit(0);  // DL4J and ND4J leave non-daemon threads behind
    }

    private static void run(Map<String, String> flags, String[] args) throws Exception {
        var options = Options.from(flags);
        List<Workload> workloads = Arrays.stream(flags.getOrDefault("--workloads", "W1,W2-32,W2-128,W3").split(","))
                .map(Workload::of).toList();
        var notes = new ArrayList<String>();
        Map<String, List<String>> commands = commands(flags, notes);
        List<String> frameworks = commands.keySet().stream()
                .sorted(Comparator.comparing(framework -> !framework.equals(Table.KILN))).toList();

        String sharedData = System.getProperty("kiln.shared.data", "../shared/data");
        Path imdb = Path.of(flags.getOrDefault("--imdb", sharedData + "/imdb"));
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

    /** Framework → the command that starts its child, without the per-run flags; a note for each one skipped. */
    private static Map<String, List<String>> commands(Map<String, String> flags, List<String> notes) {
        var commands = new LinkedHashMap<String, List<String>>();
        var java = javaCommand(flags.getOrDefault("--jvm-opts", JVM_OPTIONS));
        for (Trainer trainer : TRAINERS) commands.put(trainer.framework(), append(java, "--child", trainer.framework()));
        var python = PyTorch.interpreter(flags.get("--python"));
        var script = PyTorch.script(flags.get("--pytorch-script"));
        if (python.isEmpty()) {
            notes.add("PyTorch skipped: no python3 here imports torch (apt-get install python3-torch libopenblas0-openmp).");
        } else if (script.isEmpty()) {
            notes.add("PyTorch skipped: benchmarks/pytorch/e2e.py not found (--pytorch-script).");
        } else {
            commands.put(PYTORCH, List.of(python.get(), script.get().toString()));
        }
        if (flags.containsKey("--frameworks")) {
            var wanted = List.of(flags.get("--frameworks").split(","));
            for (String framework : wanted) {
                if (!commands.containsKey(framework) && !framework.equals(PYTORCH)) {  // PyTorch's note says why
                    notes.add(framework + " is not registered; skipped.");
                }
            }
            commands.keySet().retainAll(wanted);
        }
        return commands;
    }

    /** Runs one child with the shared environment and reads its result line. */
    static Run child(Workload workload, String framework, List<String> command, int threads, int timeoutSeconds)
            throws IOException, InterruptedException {
        Path log = Files.createTempFile("kiln-e2e-" + framework + "-" + workload.id(), ".log");
        var builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
        Map<String, String> environment = builder.environment();
        environment.put("OMP_NUM_THREADS", Integer.toString(threads));
        environment.put("OMP_WAIT_POLICY", "PASSIVE");
        environment.put("OPENBLAS_THREAD_TIMEOUT", OPENBLAS_THREAD_TIMEOUT);   // ND4J's OpenBLAS too; PyTorch's OpenMP build ignores it
        environment.remove("KILN_THREADS");  // Kiln would prefer it to OMP_NUM_THREADS; the peers don't read it
        long start = System.nanoTime();
        Process process = builder.start();
        boolean finished = process.waitFor(timeoutSeconds, TimeUnit.SECONDS);
        if (!finished) process.destroyForcibly().waitFor();
        double seconds = (System.nanoTime() - start) / 1e9;
        String output = new String(Files.readAllBytes(log), StandardCharsets.UTF_8);  // lenient with stray bytes
        Files.delete(log);
        var result = Result.parse(output);
        if (finished && process.exitValue() == 0 && result.isPresent()) {
            return new Run(workload, framework, result.get(), null, seconds);
        }
        String why = !finished ? "timed out after " + timeoutSeconds + " s"
                : process.exitValue() != 0 ? "exit status " + process.exitValue() : "no result line";
        System.err.printf("%s %s failed (%s); its output ends:%n%s%n", framework, workload.id(), why, tail(output, 3000));
        return new Run(workload, framework, null, why, seconds);
    }

    private static String report(List<Workload> workloads, List<String> frameworks, List<Run> runs, Options options,
                                 List<String> notes, String command) {
        var out = new StringBuilder();
        out.append(String.format("## End-to-end training throughput (%s)%n%n", LocalDate.now()));
        out.append(String.format("- Machine: %s; Java %s%n", Machine.cpu(), System.getProperty("java.version")));
        runs.stream().filter(run -> run.result() != null)
                .collect(Collectors.toMap(Run::framework, run -> run.result().version(), (a, b) -> a, LinkedHashMap::new))
                .forEach((framework, version) -> out.append(String.format("- %s: %s%n", framework, version)));
        out.append(String.format(Locale.ROOT, "- Protocol: %d threads, OMP_WAIT_POLICY=PASSIVE, OPENBLAS_THREAD_TIMEOUT=" + OPENBLAS_THREAD_TIMEOUT + "; training: at least %d warm-up steps and %d s,"
                        + " then the median of %d chunks of %d steps; inference: batch %d, median of %d chunks of %d"
                        + " batches; synthetic tokens in [1, 10000), length 100",
                options.threads(), options.warmupSteps(), options.warmupSeconds(), options.chunks(), options.chunkSteps(),
                options.inferenceBatchSize(), options.chunks(), options.inferenceBatches()));
        if (options.accuracy()) out.append(String.format("; accuracy after %d epochs on IMDB (25k/25k)", options.epochs()));
        out.append(String.format(".%n- Command: `%s`%n", command));
        for (String note : notes) out.append("- ").append(note).append('\n');
        out.append('\n').append(Table.markdown(workloads, frameworks, runs, options.accuracy()));
        out.append("\nRuns:\n\n").append(Table.runNotes(runs));
        return out.toString();
    }

    private static String progress(Run run) {
        String name = run.workload().id() + " " + run.framework();
        Result result = run.result();
        if (result == null) return name + ": failed, " + run.failure();
        String accuracy = result.accuracy() == null ? "" : String.format(Locale.ROOT, ", accuracy %.3f", result.accuracy());
        return String.format(Locale.ROOT, "%s: train %.0f/s, infer %.0f/s, peak RSS %.0f MiB%s (%.0f s)", name,
                result.trainSamplesPerSecond(), result.inferenceSamplesPerSecond(), result.peakRssMib(), accuracy,
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
