package dev.kiln.examples;

import dev.kiln.core.Kiln;
import java.util.Set;

/** Prints what Kiln runs on: backend, device, memory, BLAS vendor and threads. */
final class Env implements Program {

    @Override
    public String name() { return "env"; }

    @Override
    public String summary() { return "print the ND4J backend, device, memory, BLAS vendor and threads"; }

    @Override
    public String usage() { return "  (none)"; }

    @Override
    public void run(Options options) {
        options.requireOnly(Set.of());
        Kiln.start();
        var env = Kiln.environment();
        System.out.println("backend           " + Kiln.backend());
        System.out.println("BLAS vendor       " + env.getProperty("blas.vendor", "unknown"));
        System.out.println("native threads    " + env.getOrDefault("omp.threads", "unknown") + " (OMP_NUM_THREADS="
                + System.getenv().getOrDefault("OMP_NUM_THREADS", "unset") + ", OMP_WAIT_POLICY="
                + System.getenv().getOrDefault("OMP_WAIT_POLICY", "unset") + ", OPENBLAS_THREAD_TIMEOUT="
                + System.getenv().getOrDefault("OPENBLAS_THREAD_TIMEOUT", "unset") + ")");
        System.out.println("cores             " + env.getOrDefault("cores", Runtime.getRuntime().availableProcessors()));
        env.forEach((key, value) -> {
            String k = key.toString();
            if (k.startsWith("cuda") || k.startsWith("device") || k.startsWith("memory.") || k.startsWith("blas.threads")) {
                System.out.printf("%-17s %s%n", k, value);
            }
        });
        System.out.println("Vector API        " + Kiln.vectorApiStatus());
        System.out.println("float type        " + Kiln.floatx().kerasName());
        System.out.println("JVM               " + System.getProperty("java.vm.name") + " " + System.getProperty("java.version")
                + ", max heap " + Runtime.getRuntime().maxMemory() / (1 << 20) + " MiB");
    }
}
