package dev.kiln.benchmarks.e2e;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.UncheckedIOException;
import java.util.Optional;

/**
 * What one framework measured on one workload. A child process prints it as one line, {@link #MARKER} followed
 * by JSON with these component names (benchmarks/pytorch/e2e.py prints the same), and the runner parses it.
 *
 * @param trainSamplesPerSecond median over the timed training chunks
 * @param inferenceSamplesPerSecond median over the timed inference chunks
 * @param peakRssMib the process's peak resident memory (VmHWM) after the throughput runs, in MiB
 * @param accuracy test accuracy after training on the real IMDB data; null when not measured
 * @param trainChunks the samples/s of each timed training chunk
 * @param inferenceChunks the samples/s of each timed inference chunk
 */
public record Result(String framework, String version, String workload, double trainSamplesPerSecond,
                     double inferenceSamplesPerSecond, double peakRssMib, Double accuracy,
                     double[] trainChunks, double[] inferenceChunks) {

    public static final String MARKER = "E2E-RESULT ";
    private static final ObjectMapper JSON = new ObjectMapper();

    /** The line a child prints. */
    public String toLine() {
        try {
            return MARKER + JSON.writeValueAsString(this);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The result in a child's output: its last line that starts with {@link #MARKER}, if any. */
    public static Optional<Result> parse(String output) {
        String line = null;
        for (String candidate : output.split("\n")) {
            if (candidate.startsWith(MARKER)) line = candidate;
        }
        if (line == null) return Optional.empty();
        try {
            return Optional.of(JSON.readValue(line.substring(MARKER.length()), Result.class));
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("Unreadable result line: " + line, e);
        }
    }
}
