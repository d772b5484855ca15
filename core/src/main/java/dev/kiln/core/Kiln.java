package dev.kiln.core;

import java.util.Random;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.nativeblas.NativeOpsHolder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Process-wide settings: the random seed, the native thread count, and a one-line report of the backend.
 *
 * <p>Threads: ND4J's OpenMP threads busy-wait; on a small shared machine two threads can make ops ten times
 * slower (ND4J-NOTES.md). Kiln takes the count from the {@code kiln.threads} system property, then the
 * {@code KILN_THREADS} or {@code OMP_NUM_THREADS} environment variables, and otherwise uses ND4J's default. Set
 * {@code OMP_WAIT_POLICY=PASSIVE} in the environment before the JVM starts (the launcher and the build do). OpenBLAS's
 * own worker threads (Kiln's GEMMs) spin for 2^28 cycles after each call unless {@code OPENBLAS_THREAD_TIMEOUT}
 * says otherwise; the launcher and the build set 20, which kept W1 from halving its speed on 2 cores (README, "Threads").
 * The count is also how many parts {@link SideBySide} cuts a prediction batch, and attention's blocks, into.
 */
public final class Kiln {

    private static final Logger LOG = LoggerFactory.getLogger(Kiln.class);
    private static Random random = new Random();
    private static boolean started;
    private static DType floatx = DType.FLOAT32;
    private static volatile String backend;

    static {
        applyJavaCppDefaults();
    }

    private Kiln() {}

    /**
     * With a positive {@code org.bytedeco.javacpp.maxPhysicalBytes} (JavaCPP's default: four times the heap),
     * JavaCPP reads the process's resident size on every native allocation, which cost 5% of a small training step,
     * and fails allocations past a cap that counts the heap too. Kiln frees each step's arrays itself and keeps
     * JavaCPP's limit on the bytes it allocates ({@code maxBytes}), so it turns the resident-size check off unless
     * the property is set. It must run before JavaCPP loads: the Kiln and Tensor classes call it when they load.
     */
    static void applyJavaCppDefaults() {
        if (System.getProperty("org.bytedeco.javacpp.maxphysicalbytes") == null
                && System.getProperty("org.bytedeco.javacpp.maxPhysicalBytes") == null) {
            System.setProperty("org.bytedeco.javacpp.maxphysicalbytes", "0");
        }
    }

    /** Makes weight initialization, dropout and shuffling reproducible from here on. */
    public static synchronized void seed(long seed) {
        start();
        random = new Random(seed);
        Nd4j.getRandom().setSeed(seed);
    }

    /** Kiln's seeded generator for initializers and shuffling. */
    public static synchronized Random random() {
        start();
        return random;
    }

    /** A fresh seed drawn from Kiln's generator, for components that keep their own generator. */
    public static long nextSeed() { return random().nextLong(); }

    /** The float type new weights are created in, as Keras's {@code floatx()}: float32 unless changed. */
    public static synchronized DType floatx() { return floatx; }

    /** Sets the float type for new weights (float64 for gradient checks), as Keras's {@code set_floatx}. */
    public static synchronized void setFloatx(DType dtype) {
        if (!dtype.isFloatingPoint()) throw new IllegalArgumentException("floatx must be float32 or float64. Received: " + dtype);
        floatx = dtype;
    }

    /** Loads the backend once, applies the thread setting and logs which backend runs. Idempotent. */
    public static synchronized void start() {
        if (started) return;
        started = true;
        int threads = configuredThreads();
        if (threads > 0) {
            Nd4j.getEnvironment().setMaxMasterThreads(threads);
            NativeOpsHolder.getInstance().getDeviceNativeOps().setOmpNumThreads(threads);
            if ("CPU".equals(backend())) CpuBlas.setThreads(threads);
        }
        LOG.info("Kiln on ND4J {} backend, {} native thread(s), Vector API {}", backend(), threads > 0 ? threads : "default",
                vectorApiStatus());
    }

    /**
     * Whether Kiln's float32 host loops (softmax, sigmoid, tanh, layer norm) run in the JDK's Vector API, about
     * twice as fast: when the JVM was started with {@code --add-modules jdk.incubator.vector} (an incubating module
     * in Java 17), compiles with C2, and the system property {@code kiln.vectorApi} is not {@code false}.
     */
    public static boolean usesVectorApi() { return HostMath.usesVectorApi(); }

    /** "on", or "off" with what keeps the Vector API off: for the start-up log line and {@code kiln-examples env}. */
    public static String vectorApiStatus() {
        if (usesVectorApi()) return "on";
        String obstacle = HostMath.vectorApiObstacle();
        return "off (" + (obstacle == null ? "switched off by a test" : obstacle) + ")";
    }

    /** "CPU" or "CUDA". */
    public static String backend() {
        if (backend == null) backend = Nd4j.getExecutioner().getEnvironmentInformation().getProperty("backend", "unknown");
        return backend;
    }

    /** The environment ND4J reports: backend, BLAS vendor, threads, memory. */
    public static java.util.Properties environment() { return Nd4j.getExecutioner().getEnvironmentInformation(); }

    static int configuredThreads() {
        String value = System.getProperty("kiln.threads");
        if (value == null) value = System.getenv("KILN_THREADS");
        if (value == null) value = System.getenv("OMP_NUM_THREADS");
        if (value == null || value.isBlank()) return 0;
        try {
            return Integer.parseInt(value.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("The native thread count must be an integer. Received: '" + value + "'");
        }
    }
}
