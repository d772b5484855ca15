package dev.kiln.benchmarks.e2e;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** Facts about this machine and process, read from /proc (Linux). */
public final class Machine {

    private Machine() {}

    /** This process's peak resident set size (VmHWM), in MiB; NaN where /proc is missing. */
    public static double peakRssMib() { return statusMib("VmHWM:"); }

    /** This process's resident set size now (VmRSS), in MiB; NaN where /proc is missing. */
    public static double rssMib() { return statusMib("VmRSS:"); }

    private static double statusMib(String field) {
        for (String line : lines(Path.of("/proc/self/status"))) {
            if (line.startsWith(field)) return Long.parseLong(line.replaceAll("\\D", "")) / 1024.0;
        }
        return Double.NaN;
    }

    /** The CPU model and the number of logical cores, e.g. "AMD EPYC, 2 cores". */
    public static String cpu() {
        String model = "unknown CPU";
        int cores = 0;
        for (String line : lines(Path.of("/proc/cpuinfo"))) {
            if (line.startsWith("processor")) cores++;
            if (line.startsWith("model name") && cores == 1) model = line.substring(line.indexOf(':') + 1).trim();
        }
        if (cores == 0) cores = Runtime.getRuntime().availableProcessors();
        return model + ", " + cores + " cores";
    }

    private static List<String> lines(Path file) {
        if (!Files.isReadable(file)) return List.of();
        try {
            return Files.readAllLines(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
