package dev.kiln.core;

import static org.bytedeco.openblas.global.openblas_nolapack.CblasNoTrans;
import static org.bytedeco.openblas.global.openblas_nolapack.CblasRowMajor;
import static org.bytedeco.openblas.global.openblas_nolapack.CblasTrans;
import static org.bytedeco.openblas.global.openblas_nolapack.blas_set_num_threads;
import static org.bytedeco.openblas.global.openblas_nolapack.cblas_daxpy;
import static org.bytedeco.openblas.global.openblas_nolapack.cblas_dcopy;
import static org.bytedeco.openblas.global.openblas_nolapack.cblas_dgemm;
import static org.bytedeco.openblas.global.openblas_nolapack.cblas_dgemv;
import static org.bytedeco.openblas.global.openblas_nolapack.cblas_dger;
import static org.bytedeco.openblas.global.openblas_nolapack.cblas_dscal;
import static org.bytedeco.openblas.global.openblas_nolapack.cblas_saxpy;
import static org.bytedeco.openblas.global.openblas_nolapack.cblas_scopy;
import static org.bytedeco.openblas.global.openblas_nolapack.cblas_sgemm;
import static org.bytedeco.openblas.global.openblas_nolapack.cblas_sgemv;
import static org.bytedeco.openblas.global.openblas_nolapack.cblas_sger;
import static org.bytedeco.openblas.global.openblas_nolapack.cblas_sscal;

import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.Loader;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.openblas.presets.openblas_nolapack;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * OpenBLAS's cblas GEMM called directly, for the CPU backend only (this class loads OpenBLAS's bindings, so other
 * backends must never touch it). ND4J's own route to the same sgemm builds a custom op per call: 2-2.5x slower at
 * the small shapes Kiln trains with ([3200, 32]·[32, 32]: 347 µs against 136 µs; im2col's [3072, 80]·[80, 32]:
 * 849 µs against 338 µs, two threads).
 */
final class CpuBlas {

    private CpuBlas() {}

    /**
     * Sets the thread count of OpenBLAS, which ND4J's thread setting does not reach: the count for GEMMs of
     * {@link #PARALLEL_WORK} multiply-adds or more; smaller ones run on one thread. 0 means OpenBLAS's default.
     */
    static synchronized void setThreads(int count) {
        threads = count;
        apply(count);
    }

    /** The count last set through {@link #setThreads}; 0 when none was (OpenBLAS's default). */
    static int threads() { return threads; }

    /**
     * BLAS calls with fewer multiply-adds than this run on one OpenBLAS thread, whatever the setting: 2^25, about 0.5
     * ms of one core's work. OpenBLAS's workers sleep between Kiln's calls (OPENBLAS_THREAD_TIMEOUT, README "Threads"),
     * and waking them costs more than they save at the sizes Kiln's workloads train with: W1's training step took
     * 3.0-3.4 ms with one thread and 3.2-4.3 with two, although the same GEMMs run back to back are faster on two
     * ([3200, 80]·[80, 32]: 257 µs on one, 170 on two; [12800, 128]·[128, 128]: 6.5 ms against 3.9). The recurrent
     * kernels' per-step GEMMs ({@link #gemm}) do come back to back, with the workers still awake, and keep the
     * setting: with them on one thread too, imdb-lstm trained in 131 s instead of 94.
     */
    static final long PARALLEL_WORK = 1L << 25;

    private static volatile int threads;
    private static volatile int applied = -1;      // the count OpenBLAS runs with now; -1 before the first call
    private static ThreadCountSetter setter;

    /** The count CpuBlas last gave OpenBLAS; -1 before its first call. */
    static int appliedThreads() { return applied; }

    /** One thread for a call of {@code work} multiply-adds below {@link #PARALLEL_WORK}, else the setting. */
    private static void threadsFor(long work) {
        int wanted = work < PARALLEL_WORK ? 1 : threads;
        if (wanted != applied) apply(wanted);
    }

    /** The setting, for calls that follow one another with OpenBLAS's workers still awake. */
    private static void settingThreads() {
        if (threads != applied) apply(threads);
    }

    /**
     * Through a function pointer looked up once: the bindings' blas_set_num_threads looks up four symbols on every
     * call (0.2 ms), and a split prediction ({@link SideBySide}) sets the count twice per batch.
     */
    private static synchronized void apply(int count) {
        if (setter == null) {
            Pointer function = Loader.addressof("openblas_set_num_threads");
            if (function == null) {
                blas_set_num_threads(count);
                applied = count;
                return;
            }
            setter = new ThreadCountSetter(function);
        }
        setter.call(count);
        applied = count;
    }

    /** A callable pointer to openblas_set_num_threads (the bindings' type, whose constructor is protected). */
    private static final class ThreadCountSetter extends openblas_nolapack.SetNumThreads {
        ThreadCountSetter(Pointer function) {
            super();
            put(function);
        }
    }

    /**
     * op(a)·op(b) into a new row-major array [..., M, N], batched over the leading axes (equal in a and b; none for
     * 2-D operands); op transposes the last two axes when its flag is set. Each operand's last two axes are read in
     * place when they form a BLAS matrix in its own strides (one of them 1), as dense arrays and the permuted and
     * transposed views of attention heads do; other operands are copied first.
     */
    static INDArray matmul(INDArray a, boolean transposeA, INDArray b, boolean transposeB) {
        int rank = a.rank();
        long m = a.size(transposeA ? rank - 1 : rank - 2), k = a.size(transposeA ? rank - 2 : rank - 1);
        long n = b.size(transposeB ? rank - 2 : rank - 1);
        long[] shape = a.shape().clone();
        shape[rank - 2] = m;
        shape[rank - 1] = n;
        INDArray c = Nd4j.createUninitialized(a.dataType(), shape);
        if (c.length() == 0) return c;
        if (k == 0) return c.assign(0);
        Operand left = Operand.of(a, transposeA), right = Operand.of(b, transposeB);
        boolean isDouble = c.dataType() == DataType.DOUBLE;
        Pointer pa = pointer(left.array, isDouble), pb = pointer(right.array, isDouble), pc = pointer(c, isDouble);
        long slices = c.length() / (m * n);
        threadsFor(m * n * k);
        for (long slice = 0; slice < slices; slice++) {
            pa.position(left.offset(slice, shape));
            pb.position(right.offset(slice, shape));
            pc.position(slice * m * n);
            blasGemm(isDouble, left, pa, right, pb, (int) m, (int) n, (int) k, 1.0, 0.0, pc, (int) n);
        }
        left.release();
        right.release();
        return c;
    }

    /**
     * c = α·op(a)·op(b) + β·c in place, for 2-D operands and a c whose rows are BLAS rows (unit column stride): the
     * recurrent kernels' per-step products into blocks of their buffers. Operands are read as in {@link #matmul}.
     * On the thread setting at any size (see {@link #PARALLEL_WORK}).
     */
    static void gemm(INDArray a, boolean transposeA, INDArray b, boolean transposeB, INDArray c, double alpha, double beta) {
        int m = (int) c.size(0), n = (int) c.size(1), k = (int) (transposeA ? a.size(0) : a.size(1));
        if (m == 0 || n == 0) return;
        Operand left = Operand.of(a, transposeA), right = Operand.of(b, transposeB);
        boolean isDouble = c.dataType() == DataType.DOUBLE;
        Pointer pa = pointer(left.array, isDouble), pb = pointer(right.array, isDouble), pc = pointer(c, isDouble);
        settingThreads();
        blasGemm(isDouble, left, pa, right, pb, m, n, k, alpha, beta, pc, (int) c.stride(0));
        left.release();
        right.release();
    }

    /** One cblas ?gemm of row-major operands read at pa and pb: c = α·op(a)·op(b) + β·c, c's rows ldc apart at pc. */
    private static void blasGemm(boolean isDouble, Operand left, Pointer pa, Operand right, Pointer pb, int m, int n, int k, double alpha,
                                 double beta, Pointer pc, int ldc) {
        if (isDouble) {
            cblas_dgemm(CblasRowMajor, left.op, right.op, m, n, k, alpha, (DoublePointer) pa, left.ld, (DoublePointer) pb, right.ld,
                    beta, (DoublePointer) pc, ldc);
        } else {
            cblas_sgemm(CblasRowMajor, left.op, right.op, m, n, k, (float) alpha, (FloatPointer) pa, left.ld, (FloatPointer) pb,
                    right.ld, (float) beta, (FloatPointer) pc, ldc);
        }
    }

    /**
     * c = op(a)·op(b) in float32 for row-major matrices at element offsets of native buffers: op(a) [m, k] and op(b)
     * [k, n], each stored transposed when its flag says so, with rows lda and ldb apart; c [m, n] with rows ldc apart.
     * For kernels that fill their operands block by block (conv1d's and attention's host paths).
     */
    static void sgemm(int m, int n, int k, FloatPointer a, long aOffset, int lda, boolean transposeA, FloatPointer b, long bOffset,
                      int ldb, boolean transposeB, FloatPointer c, long cOffset, int ldc) {
        a.position(aOffset);
        b.position(bOffset);
        c.position(cOffset);
        threadsFor((long) m * n * k);
        cblas_sgemm(CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans, m, n, k, 1f,
                a, lda, b, ldb, 0f, c, ldc);
        a.position(0);
        b.position(0);
        c.position(0);
    }

    /**
     * y += sign·x for two dense row-major arrays ({@link Gemm#isDense}) of one float type and length, as one cblas
     * ?axpy: gradient sums, adds and subtracts. ND4J's addi woke its second OpenMP thread for each call: 62-74 µs for
     * W3's [32, 100, 32] gradients, against 5-6 µs here.
     */
    static void addInPlace(INDArray y, INDArray x, int sign) {
        int n = Math.toIntExact(y.length());
        boolean isDouble = y.dataType() == DataType.DOUBLE;
        Pointer py = pointer(y, isDouble), px = pointer(x, isDouble);
        threadsFor(n);
        if (isDouble) cblas_daxpy(n, sign, (DoublePointer) px, 1, (DoublePointer) py, 1);
        else cblas_saxpy(n, sign, (FloatPointer) px, 1, (FloatPointer) py, 1);
    }

    /** a + sign·b in a new array, for dense arrays as {@link #addInPlace}: a copy, then an axpy. */
    static INDArray sum(INDArray a, INDArray b, int sign) {
        INDArray out = Nd4j.createUninitialized(a.dataType(), a.shape());
        copy(a, out);
        addInPlace(out, b, sign);
        return out;
    }

    /** y = x for two dense row-major arrays of one float type and length, as one cblas ?copy. */
    static void copy(INDArray x, INDArray y) {
        int n = Math.toIntExact(y.length());
        boolean isDouble = y.dataType() == DataType.DOUBLE;
        Pointer py = pointer(y, isDouble), px = pointer(x, isDouble);
        threadsFor(n);
        if (isDouble) cblas_dcopy(n, (DoublePointer) px, 1, (DoublePointer) py, 1);
        else cblas_scopy(n, (FloatPointer) px, 1, (FloatPointer) py, 1);
    }

    /**
     * c[m, n] += 1·biasᵀ for every row, in place, as one rank-1 update (cblas ?ger). ND4J's addiRowVector built a
     * TAD offsets array per call ([3200] longs for a [3200, 32] output) that only the garbage collector freed: most of
     * W3's per-step memory growth. c is dense row-major, bias dense [n].
     */
    static void addRowVector(INDArray c, INDArray bias) {
        int m = (int) c.size(0), n = (int) c.size(1);
        if (m == 0 || n == 0) return;
        boolean isDouble = c.dataType() == DataType.DOUBLE;
        Pointer pc = pointer(c, isDouble), pb = pointer(bias, isDouble), ones = ones(m, isDouble);
        threadsFor((long) m * n);
        if (isDouble) cblas_dger(CblasRowMajor, m, n, 1.0, (DoublePointer) ones, 1, (DoublePointer) pb, 1, (DoublePointer) pc, n);
        else cblas_sger(CblasRowMajor, m, n, 1f, (FloatPointer) ones, 1, (FloatPointer) pb, 1, (FloatPointer) pc, n);
    }

    /** Σ over the rows of a dense row-major g [m, n] into a new [n] array, as gᵀ·1 (cblas ?gemv), without ND4J's TADs. */
    static INDArray columnSums(INDArray g) {
        return sumsAlong(g, 1, (int) g.size(0), (int) g.size(1), 1, g.size(1));
    }

    /** c·x in a new array, for a dense row-major x of a float type: a cblas ?copy, then ?scal. */
    static INDArray scaled(INDArray x, double c) {
        INDArray out = Nd4j.createUninitialized(x.dataType(), x.shape());
        copy(x, out);
        int n = Math.toIntExact(out.length());
        boolean isDouble = out.dataType() == DataType.DOUBLE;
        Pointer po = pointer(out, isDouble);
        if (isDouble) cblas_dscal(n, c, (DoublePointer) po, 1);
        else cblas_sscal(n, (float) c, (FloatPointer) po, 1);
        return out;
    }

    /**
     * scale·Σ over the middle axis of a dense row-major x read as [outer, repeats, inner], into a new array of
     * {@code shape} (outer·inner values): one ?gemv (xᵀ·1) per outer index. A sum or mean over adjacent axes, such as
     * GlobalAveragePooling1D's over the steps, without ND4J's reduction and the second OpenMP thread it wakes.
     */
    static INDArray sumsAlong(INDArray x, int outer, int repeats, int inner, double scale, long... shape) {
        INDArray sums = Nd4j.createUninitialized(x.dataType(), shape);
        if (sums.length() == 0) return sums;
        if (repeats == 0) return sums.assign(0);
        boolean isDouble = x.dataType() == DataType.DOUBLE;
        Pointer px = pointer(x, isDouble), ps = pointer(sums, isDouble), ones = ones(repeats, isDouble);
        threadsFor((long) outer * repeats * inner);
        for (int o = 0; o < outer; o++) {
            px.position((long) o * repeats * inner);
            ps.position((long) o * inner);
            if (isDouble) {
                cblas_dgemv(CblasRowMajor, CblasTrans, repeats, inner, scale, (DoublePointer) px, inner, (DoublePointer) ones, 1, 0.0,
                        (DoublePointer) ps, 1);
            } else {
                cblas_sgemv(CblasRowMajor, CblasTrans, repeats, inner, (float) scale, (FloatPointer) px, inner, (FloatPointer) ones, 1, 0f,
                        (FloatPointer) ps, 1);
            }
        }
        return sums;
    }

    /** Per-thread vectors of ones, grown as needed, for {@link #addRowVector} and {@link #sumsAlong}. */
    private static final ThreadLocal<Pointer[]> ONES = ThreadLocal.withInitial(() -> new Pointer[] {new FloatPointer(0L), new DoublePointer(0L)});

    private static Pointer ones(int length, boolean isDouble) {
        Pointer[] held = ONES.get();
        int slot = isDouble ? 1 : 0;
        if (held[slot].capacity() < length) {
            held[slot].close();
            if (isDouble) {
                DoublePointer grown = new DoublePointer(length);
                for (int i = 0; i < length; i++) grown.put(i, 1.0);
                held[slot] = grown;
            } else {
                FloatPointer grown = new FloatPointer(length);
                for (int i = 0; i < length; i++) grown.put(i, 1f);
                held[slot] = grown;
            }
        }
        return held[slot];
    }

    private static Pointer pointer(INDArray x, boolean isDouble) {
        return isDouble ? new DoublePointer(x.data().addressPointer()) : new FloatPointer(x.data().addressPointer());
    }

    /** One operand's slices as row-major BLAS matrices: the array read, its leading dimension and cblas op. */
    private record Operand(INDArray array, int ld, int op, boolean copied) {

        static Operand of(INDArray x, boolean transpose) {
            int rank = x.rank();
            long rowStride = x.stride(rank - 2), columnStride = x.stride(rank - 1);
            long rows = x.size(rank - 2), columns = x.size(rank - 1);
            if (columnStride == 1 && rowStride >= columns) return new Operand(x, (int) rowStride, op(transpose), false);
            if (rowStride == 1 && columnStride >= rows) return new Operand(x, (int) columnStride, op(!transpose), false);   // a transposed view
            INDArray dense = x.dup('c');
            return new Operand(dense, (int) columns, op(transpose), true);
        }

        private static int op(boolean transpose) { return transpose ? CblasTrans : CblasNoTrans; }

        /** Frees the copy made for BLAS, if one was. */
        void release() {
            if (copied) array.close();
        }

        /** The element offset of slice {@code slice} (row-major over the leading axes of {@code shape}). */
        long offset(long slice, long[] shape) {
            long offset = 0;
            for (int d = shape.length - 3; d >= 0; d--) {
                offset += (slice % shape[d]) * array.stride(d);
                slice /= shape[d];
            }
            return offset;
        }
    }

    static boolean supports(DataType type) { return type == DataType.FLOAT || type == DataType.DOUBLE; }
}
