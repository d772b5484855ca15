package dev.kiln.benchmarks.e2e;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Finds what the PyTorch peer needs: its script (benchmarks/pytorch/e2e.py) and a python3 that imports torch.
 * Debian's {@code python3-torch} lives in /usr/bin/python3, which a pyenv or virtualenv python3 earlier on the
 * PATH would hide, so /usr/bin/python3 is tried first.
 */
final class PyTorch {

    private PyTorch() {}

    /** The given interpreter if it imports torch, else the first of /usr/bin/python3 and python3 that does. */
    static Optional<String> interpreter(String given) {
        List<String> candidates = given != null ? List.of(given) : List.of("/usr/bin/python3", "python3");
        return candidates.stream().filter(PyTorch::importsTorch).findFirst();
    }

    /** The given script, else benchmarks/pytorch/e2e.py or pytorch/e2e.py below the working directory. */
    static Optional<Path> script(String given) {
        List<Path> candidates = new ArrayList<>();
        if (given != null) candidates.add(Path.of(given));
        else candidates.addAll(List.of(Path.of("benchmarks/pytorch/e2e.py"), Path.of("pytorch/e2e.py")));
        return candidates.stream().filter(Files::isRegularFile).map(Path::toAbsolutePath).findFirst();
    }

    private static boolean importsTorch(String python) {
        try {
            var process = new ProcessBuilder(python, "-c", "import torch")
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            if (!process.waitFor(120, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                return false;
            }
            return process.exitValue() == 0;
        } catch (IOException e) {
            return false;  // no such interpreter
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
