package dev.kiln.core;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.transforms.strict.Erf;
import org.nd4j.linalg.api.ops.impl.transforms.strict.Swish;
import org.nd4j.linalg.api.ops.impl.transforms.strict.SwishDerivative;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.INDArrayIndex;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * An n-dimensional array that remembers how it was computed, so gradients can flow back through it.
 *
 * <p>Eager reverse-mode autograd, as in PyTorch: every op runs at once on ND4J; when an input requires a
 * gradient (and no {@link #noGrad()} scope is open) the result records its inputs and a backward closure.
 * {@link #backward()} walks that graph once in reverse topological order and accumulates gradients into the
 * leaves. Each op below is written as its forward value followed directly by its gradient.
 *
 * <p>Arrays created by ops are recorded in the innermost open {@link MemoryScope}, which frees them.
 */
public final class Tensor {

    /** Turns the gradient of an op's output into gradients for its inputs, in input order (null: none). */
    @FunctionalInterface
    interface Backward {
        INDArray[] apply(INDArray outputGrad);
    }

    static {
        Kiln.applyJavaCppDefaults();   // before this class touches ND4J, so before JavaCPP loads
    }

    private static final ThreadLocal<int[]> NO_GRAD_DEPTH = ThreadLocal.withInitial(() -> new int[1]);
    private static final Tensor[] NO_INPUTS = new Tensor[0];

    private final INDArray value;
    private final String op;            // the op that produced this tensor, named in errors; "leaf" for leaves
    private final Tensor[] inputs;
    private final Backward backward;
    private final boolean requiresGrad;
    private INDArray grad;              // for leaves: a buffer kept across steps, valid only when gradValid
    private boolean gradValid;
    private boolean gradBorrowed;       // grad is an array this tensor does not own (a view, or shared): never add in place

    private Tensor(INDArray value, String op, Tensor[] inputs, Backward backward, boolean requiresGrad) {
        this.value = value;
        this.op = op;
        this.inputs = inputs;
        this.backward = backward;
        this.requiresGrad = requiresGrad;
    }

    // ---- creation ----

    /** Wraps an ND4J array as a constant leaf (no gradient). The array is not copied. */
    public static Tensor fromArray(INDArray value) {
        return new Tensor(value, "leaf", NO_INPUTS, null, false);
    }

    public static Tensor of(float[] data, long... shape) { return fromArray(Nd4j.create(data, shape, 'c')); }

    public static Tensor of(double[] data, long... shape) { return fromArray(Nd4j.create(data, shape, 'c')); }

    public static Tensor of(int[] data, long... shape) {
        return fromArray(Nd4j.createFromArray(data).reshape(shape));
    }

    public static Tensor of(long[] data, long... shape) {
        return fromArray(Nd4j.createFromArray(data).reshape(shape));
    }

    public static Tensor scalar(double value, DType dtype) { return fromArray(Nd4j.scalar(dtype.nd4j(), value)); }

    public static Tensor zeros(Shape shape, DType dtype) { return fromArray(Nd4j.zeros(dtype.nd4j(), shape.dims())); }

    public static Tensor ones(Shape shape, DType dtype) { return fromArray(Nd4j.ones(dtype.nd4j(), shape.dims())); }

    public static Tensor full(Shape shape, double fill, DType dtype) {
        return fromArray(Nd4j.valueArrayOf(shape.dims(), fill, dtype.nd4j()));
    }

    /** Values drawn uniformly from [low, high) with Kiln's seeded generator. */
    public static Tensor uniform(Shape shape, double low, double high, DType dtype) {
        return fromValues(new Initializer.RandomUniform(low, high).values(shape), shape, dtype);
    }

    /** Values drawn from N(0, 1) with Kiln's seeded generator. */
    public static Tensor normal(Shape shape, DType dtype) {
        return fromValues(new Initializer.RandomNormal(0, 1).values(shape), shape, dtype);
    }

    /**
     * A trainable leaf initialized by {@code initializer}: what {@code Layer.addWeight} creates. Never in a
     * {@link PredictionMemory} block, since weights outlive the batch that may build them.
     */
    public static Tensor parameter(Shape shape, Initializer initializer, DType dtype) {
        return PredictionMemory.outside(() -> fromValues(initializer.values(shape), shape, dtype).requiringGrad());
    }

    static Tensor fromValues(double[] values, Shape shape, DType dtype) {
        if (dtype == DType.FLOAT64) return fromArray(Nd4j.create(values, shape.dims(), 'c'));
        if (dtype != DType.FLOAT32) return fromArray(Nd4j.create(values, shape.dims(), 'c').castTo(dtype.nd4j()));
        float[] floats = new float[values.length];
        for (int i = 0; i < values.length; i++) floats[i] = (float) values[i];
        return fromArray(Nd4j.create(floats, shape.dims(), 'c'));
    }

    /** A leaf with this tensor's value (not copied) that records gradients. */
    public Tensor requiringGrad() {
        if (!dtype().isFloatingPoint()) {
            throw new IllegalArgumentException("Only float32 and float64 tensors can require gradients. Received: " + dtype());
        }
        return new Tensor(value, "leaf", NO_INPUTS, null, true);
    }

    /**
     * A constant copy of this tensor's value that no memory scope frees: a snapshot to keep across steps, such as
     * the best weights EarlyStopping restores.
     */
    public Tensor copy() { return fromArray(value.dup()); }

    /** The same value, cut off from the graph: no gradient flows back through the result. */
    public Tensor detach() { return fromArray(value); }

    /**
     * Overwrites this leaf's values in place with {@code source}'s, cast to this tensor's dtype: how weight
     * constraints, batch-normalization moving statistics and loaded weights change a parameter that optimizers and
     * layers already hold. Records nothing for backward. Returns this tensor.
     */
    public Tensor assign(Tensor source) {
        if (!isLeaf()) {
            throw new IllegalStateException("assign() writes into leaves (weights and state). This tensor was computed by '" + op + "'");
        }
        if (!shape().equals(source.shape())) {
            throw new IllegalArgumentException("assign: shapes differ. Target " + shape() + ", source " + source.shape());
        }
        value.assign(source.value.dataType() == value.dataType() ? source.value : source.value.castTo(value.dataType()));
        return this;
    }

    // ---- accessors ----

    public Shape shape() { return Shape.of(value.shape()); }

    public int rank() { return value.rank(); }

    public long size(int axis) { return shape().get(axis); }

    public DType dtype() { return DType.of(value.dataType()); }

    public boolean requiresGrad() { return requiresGrad; }

    public boolean isLeaf() { return backward == null; }

    /** The accumulated gradient, or null before any backward pass reached this tensor. */
    public Tensor grad() { return gradValid ? fromArray(grad) : null; }

    /** Forgets the gradient; a leaf keeps its buffer so the next backward pass writes into it. */
    public void zeroGrad() { gradValid = false; }

    /**
     * The ND4J array behind this tensor. Layers never need it; optimizers update parameters in place through
     * it, and core ops read it.
     */
    public INDArray array() { return value; }

    /** The gradient's ND4J array for in-place optimizer updates, or null when there is none. */
    public INDArray gradArray() { return gradValid ? grad : null; }

    /** The value of a one-element tensor. */
    public double item() {
        if (value.length() != 1) throw new IllegalStateException("item() needs a one-element tensor. Received shape " + shape());
        return value.getDouble(0);
    }

    // The readers copy into a fresh row-major array (a view's buffer is not in logical order) and free that copy at
    // once: metrics read every batch, and an unclosed copy would wait for the garbage collector (ND4J-NOTES, "Memory").

    public float[] toFloatArray() {
        try (INDArray copy = value.dup('c')) { return copy.data().asFloat(); }
    }

    public double[] toDoubleArray() {
        try (INDArray copy = value.dup('c')) { return copy.data().asDouble(); }
    }

    public long[] toLongArray() {
        try (INDArray copy = value.dup('c')) { return copy.data().asLong(); }
    }

    public int[] toIntArray() {
        try (INDArray copy = value.dup('c')) { return copy.data().asInt(); }
    }

    @Override
    public String toString() { return "Tensor" + shape() + " " + dtype().kerasName() + (requiresGrad ? " (grad)" : "") + "\n" + value; }

    // ---- the engine ----

    /** A scope in which ops record nothing for backward: evaluation and prediction. */
    public static NoGradScope noGrad() {
        NO_GRAD_DEPTH.get()[0]++;
        return new NoGradScope();
    }

    /** Closes a {@link #noGrad()} scope. */
    public static final class NoGradScope implements AutoCloseable {
        private boolean closed;

        private NoGradScope() {}

        @Override
        public void close() {
            if (!closed) NO_GRAD_DEPTH.get()[0]--;
            closed = true;
        }
    }

    public static boolean isGradEnabled() { return NO_GRAD_DEPTH.get()[0] == 0; }

    /**
     * Records an intermediate array (one an op needs only until the end of the step) in the innermost open scope.
     * Every array an op allocates is either its output, a gradient it returns, or passes through here.
     */
    static INDArray temp(INDArray array) {
        MemoryScope.track(array);
        return array;
    }

    /** Wraps an op's output, recording its inputs and backward when a gradient is wanted. */
    static Tensor derive(String op, INDArray value, Backward backward, Tensor... inputs) {
        if (!sharesMemoryWithAny(value, inputs)) MemoryScope.track(value);
        return recordsGradient(inputs) ? new Tensor(value, op, inputs, backward, true) : new Tensor(value, op, NO_INPUTS, null, false);
    }

    /**
     * Whether an op on these inputs records a backward: gradients are enabled and some input requires one. Ops check
     * it first to take a forward-only path (prediction) that skips what only the gradient needs.
     */
    static boolean recordsGradient(Tensor... inputs) {
        if (!isGradEnabled()) return false;
        for (Tensor input : inputs) if (input != null && input.requiresGrad) return true;
        return false;
    }

    /** Backpropagates from this scalar, adding d(this)/dx to the gradient of every leaf x it depends on. */
    public void backward() {
        if (value.length() != 1) {
            throw new IllegalStateException("backward() needs a scalar (one-element) tensor. Received shape " + shape()
                    + "; reduce it first, e.g. with mean().");
        }
        if (!requiresGrad) throw new IllegalStateException("backward() on a tensor that does not depend on any tensor requiring a gradient");
        List<Tensor> order = topologicalOrder();
        for (Tensor node : order) if (!node.isLeaf()) node.gradValid = false;
        accumulate(Nd4j.onesLike(value), true);
        for (int i = order.size() - 1; i >= 0; i--) {
            Tensor node = order.get(i);
            if (node.isLeaf() || !node.gradValid) continue;
            INDArray[] inputGrads = node.backward.apply(node.grad);
            for (int k = 0; k < node.inputs.length; k++) {
                Tensor input = node.inputs[k];
                INDArray g = inputGrads[k];
                if (input == null || !input.requiresGrad || g == null) continue;
                input.checkGradShape(g, node.op, k);
                input.accumulate(g, isFresh(g, k, inputGrads, node));
            }
        }
    }

    /** Inputs before outputs, found by an explicit-stack depth-first walk (a 10,000-op chain needs no deep stack). */
    private List<Tensor> topologicalOrder() {
        List<Tensor> order = new ArrayList<>();
        Map<Tensor, Boolean> visited = new IdentityHashMap<>();
        ArrayDeque<Object[]> stack = new ArrayDeque<>();   // {tensor, next input index}
        stack.push(new Object[] {this, 0});
        visited.put(this, true);
        while (!stack.isEmpty()) {
            Object[] frame = stack.peek();
            Tensor node = (Tensor) frame[0];
            int next = (Integer) frame[1];
            if (next < node.inputs.length) {
                frame[1] = next + 1;
                Tensor input = node.inputs[next];
                if (input != null && input.requiresGrad && visited.put(input, true) == null) stack.push(new Object[] {input, 0});
            } else {
                stack.pop();
                order.add(node);
            }
        }
        return order;
    }

    /** A gradient array can be adopted without copying when no other input or the output gradient shares it. */
    private static boolean isFresh(INDArray g, int index, INDArray[] all, Tensor node) {
        if (g == node.grad || sharesMemory(g, node.grad) || !g.closeable()) return false;
        for (int j = 0; j < all.length; j++) if (j != index && all[j] != null && (all[j] == g || sharesMemory(all[j], g))) return false;
        for (Tensor input : node.inputs) if (input != null && sharesMemory(g, input.value)) return false;
        return true;
    }

    /**
     * Adds g to this tensor's gradient. A gradient that is not fresh (a view, or an array handed to several inputs, as
     * add() does) is borrowed rather than copied, and replaced by a new sum if a second gradient arrives: copying
     * every reshape's and permute's gradient cost 8% of a Transformer step.
     */
    private void accumulate(INDArray g, boolean fresh) {
        if (gradValid && gradBorrowed) {
            grad = temp(Broadcast.apply("add", grad, g));
            gradBorrowed = false;
            if (fresh) MemoryScope.track(g);
        } else if (gradValid) {
            addInPlace(grad, g);
            if (fresh) MemoryScope.track(g);
        } else if (isLeaf() && grad != null && Arrays.equals(grad.shape(), g.shape())) {
            copyInto(g, grad);                    // a leaf reuses its buffer from the previous step
            if (fresh) MemoryScope.track(g);
        } else if (isLeaf()) {
            grad = g.dup();                       // lives as long as the leaf: not recorded in any scope
            if (fresh) MemoryScope.track(g);
        } else {
            grad = g;
            gradBorrowed = !fresh;
            if (fresh) MemoryScope.track(g);
        }
        gradValid = true;
    }

    /*
     * Gradient sums and copies in place: BLAS calls on the CPU for dense arrays of one float type (Broadcast.onHost),
     * ND4J's ops otherwise. A sum into a new array is Broadcast.apply's add, which takes the same path.
     */

    private static void addInPlace(INDArray target, INDArray g) {
        if (Broadcast.onHost(target, g)) CpuBlas.addInPlace(target, g, 1);
        else target.addi(g);
    }

    private static void copyInto(INDArray g, INDArray target) {
        if (Broadcast.onHost(g, target)) CpuBlas.copy(g, target);
        else target.assign(g);
    }

    private void checkGradShape(INDArray g, String op, int inputIndex) {
        if (!Arrays.equals(g.shape(), value.shape())) {
            throw new IllegalStateException("Internal error in the gradient of '" + op + "': input " + inputIndex + " has shape "
                    + shape() + " but its gradient has shape " + Shape.of(g.shape()));
        }
    }

    private static boolean sharesMemoryWithAny(INDArray array, Tensor[] inputs) {
        for (Tensor input : inputs) if (input != null && sharesMemory(array, input.value)) return true;
        return false;
    }

    static boolean sharesMemory(INDArray a, INDArray b) {
        if (a == null || b == null) return false;
        if (a == b) return true;
        var da = a.data();
        var db = b.data();
        return da == db || da.originalDataBuffer() == db || db.originalDataBuffer() == da
                || (da.originalDataBuffer() != null && da.originalDataBuffer() == db.originalDataBuffer())
                || da.address() == db.address();
    }

    private static INDArray[] grads(INDArray... perInput) { return perInput; }

    /**
     * An op with several outputs (such as an LSTM's sequence, last state and last cell): the outputs share one
     * hidden node whose backward receives all of their gradients at once (null where an output got none).
     */
    static Tensor[] deriveMany(String op, INDArray[] values, MultiBackward backward, Tensor... inputs) {
        INDArray[] outputGrads = new INDArray[values.length];
        Tensor joint = derive(op, Nd4j.scalar(values[0].dataType(), 0), g -> {
            INDArray[] collected = outputGrads.clone();
            Arrays.fill(outputGrads, null);
            return backward.apply(collected);
        }, inputs);
        Tensor[] outputs = new Tensor[values.length];
        for (int k = 0; k < values.length; k++) {
            int slot = k;
            outputs[k] = derive(op, values[k], g -> {
                outputGrads[slot] = outputGrads[slot] == null ? g.dup() : outputGrads[slot].addi(g);
                MemoryScope.track(outputGrads[slot]);
                return grads(Nd4j.onesLike(joint.value));     // adopted and freed by the engine
            }, joint);
        }
        return outputs;
    }

    /** The backward of a several-output op. */
    @FunctionalInterface
    interface MultiBackward {
        INDArray[] apply(INDArray[] outputGrads);
    }

    // ---- element-wise arithmetic, broadcasting as NumPy ----

    /** this + other.   Each input gets g summed back to its own shape. */
    public Tensor add(Tensor other) {
        INDArray out = Broadcast.apply("add", value, other.value);
        return derive("add", out, g -> grads(requiresGrad ? Broadcast.sumTo(g, value.shape()) : null,
                other.requiresGrad ? Broadcast.sumTo(g, other.value.shape()) : null), this, other);
    }

    /** this − other.   dThis = g, dOther = −g (each summed to its shape). */
    public Tensor sub(Tensor other) {
        INDArray out = Broadcast.apply("subtract", value, other.value);
        return derive("sub", out, g -> grads(requiresGrad ? Broadcast.sumTo(g, value.shape()) : null,
                other.requiresGrad ? Broadcast.sumTo(g.neg(), other.value.shape()) : null), this, other);
    }

    /** this · other element-wise.   dThis = g·other, dOther = g·this. */
    public Tensor mul(Tensor other) {
        INDArray out = Broadcast.apply("multiply", value, other.value);
        return derive("mul", out, g -> grads(
                        requiresGrad ? Broadcast.sumTo(Broadcast.apply("multiply", g, other.value), value.shape()) : null,
                        other.requiresGrad ? Broadcast.sumTo(Broadcast.apply("multiply", g, value), other.value.shape()) : null),
                this, other);
    }

    /** this / other element-wise.   dThis = g/other, dOther = −g·this/other². */
    public Tensor div(Tensor other) {
        INDArray out = Broadcast.apply("divide", value, other.value);
        return derive("div", out, g -> grads(
                        requiresGrad ? Broadcast.sumTo(Broadcast.apply("divide", g, other.value), value.shape()) : null,
                        other.requiresGrad ? Broadcast.sumTo(Broadcast.apply("divide", g.mul(out), other.value).negi(),
                                other.value.shape()) : null),
                this, other);
    }

    public Tensor add(double c) { return derive("add", value.add(c), g -> grads(g), this); }

    public Tensor sub(double c) { return add(-c); }

    /** this · c.   dThis = g·c. */
    public Tensor mul(double c) { return derive("mul", Broadcast.scaled(value, c), g -> grads(Broadcast.scaled(g, c)), this); }

    public Tensor div(double c) { return mul(1.0 / c); }

    /** c − this.   dThis = −g. */
    public Tensor rsub(double c) { return derive("rsub", value.rsub(c), g -> grads(g.neg()), this); }

    public Tensor neg() { return mul(-1.0); }

    // ---- element-wise functions ----

    /** eˣ.   dx = g·eˣ, reusing the output. */
    public Tensor exp() {
        INDArray y = Transforms.exp(value, true);
        return derive("exp", y, g -> grads(g.mul(y)), this);
    }

    /** ln x.   dx = g / x. */
    public Tensor log() { return derive("log", Transforms.log(value, true), g -> grads(g.div(value)), this); }

    /** √x.   dx = g / (2√x), reusing the output. */
    public Tensor sqrt() {
        INDArray y = Transforms.sqrt(value, true);
        return derive("sqrt", y, g -> grads(g.div(y).muli(0.5)), this);
    }

    /** xᵖ.   dx = g·p·xᵖ⁻¹. */
    public Tensor pow(double p) {
        return derive("pow", Transforms.pow(value, p, true), g -> grads(Transforms.pow(value, p - 1, true).muli(p).muli(g)), this);
    }

    public Tensor square() { return mul(this); }

    /** |x|.   dx = g·sign(x). */
    public Tensor abs() { return derive("abs", Transforms.abs(value, true), g -> grads(Transforms.sign(value, true).muli(g)), this); }

    /** x limited to [min, max].   dx = g where min ≤ x ≤ max, else 0 (as Keras). */
    public Tensor clip(double min, double max) {
        if (min > max) throw new IllegalArgumentException("clip needs min <= max. Received: min=" + min + ", max=" + max);
        INDArray out = Transforms.min(Transforms.max(value, min, true), max, false);
        return derive("clip", out, g -> {
            INDArray inside = temp(value.gte(min)).castTo(value.dataType());
            inside.muli(temp(temp(value.lte(max)).castTo(value.dataType())));
            return grads(inside.muli(g));
        }, this);
    }

    /** Element-wise maximum.   The gradient goes to this where this ≥ other, else to other. */
    public Tensor maximum(Tensor other) { return select("maximum", other, true); }

    /** Element-wise minimum.   The gradient goes to this where this ≤ other, else to other. */
    public Tensor minimum(Tensor other) { return select("minimum", other, false); }

    private Tensor select(String op, Tensor other, boolean max) {
        INDArray out = Broadcast.apply(op, value, other.value);
        return derive(op, out, g -> {
            INDArray pickThis = temp(temp(Broadcast.apply(max ? "greater_equal" : "less_equal", value, other.value)).castTo(g.dataType()));
            INDArray toThis = pickThis.muli(g);
            INDArray toOther = g.sub(toThis);
            return grads(Broadcast.sumTo(toThis, value.shape()), Broadcast.sumTo(toOther, other.value.shape()));
        }, this, other);
    }

    // ---- activations ----

    /** max(x, 0).   dx = g where x > 0, else 0: host loops on the CPU (3-6x faster), ND4J's relu and relu_bp elsewhere. */
    public Tensor relu() {
        if (HostLoops.enabled()) {
            INDArray out = HostLoops.relu(value);
            return derive("relu", out, g -> grads(HostLoops.reluGrad(out, g)), this);
        }
        INDArray out = Native.exec("relu", new long[0], new double[] {0.0}, new boolean[0], value)[0];
        return derive("relu", out, g -> Native.exec("relu_bp", new long[0], new double[] {0.0}, new boolean[0], value, g), this);
    }

    /**
     * max(x, 0) written over this tensor's own values, returning it: for an op's fresh output that nothing else
     * reads (a layer's pre-activation during prediction), which saves an array and a pass. A tensor that records
     * a gradient is refused, since its backward may read the values it had.
     */
    public Tensor reluInPlace() {
        if (requiresGrad) throw new IllegalStateException("reluInPlace on a tensor that records a gradient; use relu()");
        if (HostLoops.enabled() && Gemm.isDense(value)) HostLoops.reluInPlace(value);
        else Transforms.relu(value, false);
        return this;
    }

    /** σ(x) = 1 / (1 + e⁻ˣ).   dx = g·σ·(1 − σ), reusing the output. */
    public Tensor sigmoid() {
        INDArray s = usesFloat32HostLoops() ? HostLoops.apply(HostLoops.Transcendental.SIGMOID, value) : Transforms.sigmoid(value, true);
        return derive("sigmoid", s, g -> grads(g.mul(s).muli(temp(s.rsub(1.0)))), this);
    }

    /** tanh x.   dx = g·(1 − tanh²), reusing the output. */
    public Tensor tanh() {
        INDArray t = usesFloat32HostLoops() ? HostLoops.apply(HostLoops.Transcendental.TANH, value) : Transforms.tanh(value, true);
        return derive("tanh", t, g -> grads(t.mul(t).rsubi(1.0).muli(g)), this);
    }

    /**
     * Softmax y = eˣ / Σeˣ over {@code axis}.   dx = y·(g − Σ y·g), reusing the output: 2-2.5x faster than ND4J's
     * softmax_bp, which recomputes y (19 vs 43 ms at [32, 2, 200, 200], the attention weights), and equal to it.
     */
    public Tensor softmax(int axis) {
        int dim = shape().axis(axis);
        INDArray out = usesFloat32HostLoops() && dim == rank() - 1 && value.length() > 0 ? HostLoops.apply(HostLoops.Transcendental.SOFTMAX, value)
                : Native.first("softmax", new long[] {dim}, shiftedForSoftmax(value, dim));
        return derive("softmax", out, g -> {
            if (HostLoops.enabled() && dim == rank() - 1) return grads(HostLoops.softmaxGrad(out, g));   // one pass, not four ops
            INDArray weighted = temp(temp(out.mul(g)).sum(true, dim));                 // Σ y·g, kept axis of size 1
            return grads(Broadcast.apply("subtract", g, weighted).muli(out));
        }, this);
    }

    /**
     * ND4J M2.1's float64 softmax returns NaN for a row whose maximum is below about −745 (such as an attention row
     * whose every key is masked with −1e9), as if its running maximum started at 0. Float64 input is therefore
     * shifted by its maximum first, which leaves softmax and its gradient unchanged; float32 needs no shift.
     */
    private static INDArray shiftedForSoftmax(INDArray x, int dim) {
        if (x.dataType() != DataType.DOUBLE) return x;
        return temp(Broadcast.apply("subtract", x, temp(x.max(true, dim))));
    }

    public Tensor softmax() { return softmax(-1); }

    /**
     * Whether σ, tanh, softmax and one-axis max take host loops: float32 on the CPU (ND4J's σ and tanh transforms
     * were half of the LSTM's forward pass; {@link HostMath}).
     */
    private boolean usesFloat32HostLoops() { return HostLoops.enabled() && value.dataType() == DataType.FLOAT; }

    /** log(softmax(x)) over {@code axis}, computed stably.   Gradient: ND4J's log_softmax_bp. */
    public Tensor logSoftmax(int axis) {
        long dim = shape().axis(axis);
        INDArray out = Native.first("log_softmax", new long[] {dim}, value);
        return derive("logSoftmax", out, g -> Native.exec("log_softmax_bp", new long[] {dim}, value, g), this);
    }

    public Tensor logSoftmax() { return logSoftmax(-1); }

    /**
     * GELU. Exact (Keras's default): x·Φ(x) = ½x(1 + erf(x/√2)), dx = g·(Φ(x) + x·φ(x)).
     * Approximate: ½x(1 + tanh(√(2/π)(x + 0.044715x³))), differentiated through its composition.
     */
    public Tensor gelu(boolean approximate) {
        if (approximate) {
            Tensor inner = add(pow(3).mul(0.044715)).mul(Math.sqrt(2 / Math.PI));
            return mul(inner.tanh().add(1.0)).mul(0.5);
        }
        INDArray scaled = value.div(Math.sqrt(2));
        INDArray cdf = temp(Nd4j.exec(new Erf(scaled, scaled)).addi(1.0).muli(0.5));   // Φ(x), kept for the backward
        return derive("gelu", value.mul(cdf), g -> {
            INDArray pdf = Transforms.exp(value.mul(value).muli(-0.5), false).muli(1 / Math.sqrt(2 * Math.PI));
            return grads(pdf.muli(value).addi(cdf).muli(g));
        }, this);
    }

    public Tensor gelu() { return gelu(false); }

    /** ELU: x for x > 0, α(eˣ − 1) otherwise.   Gradient: ND4J's elu_bp. */
    public Tensor elu(double alpha) {
        double[] args = {alpha};
        INDArray out = Native.exec("elu", new long[0], args, new boolean[0], value)[0];
        return derive("elu", out, g -> Native.exec("elu_bp", new long[0], args, new boolean[0], value, g), this);
    }

    /** Leaky ReLU: x for x ≥ 0, αx otherwise (Keras's default α is 0.2).   Gradient: ND4J's lrelu_bp. */
    public Tensor leakyRelu(double alpha) {
        double[] args = {alpha};
        INDArray out = Native.exec("lrelu", new long[0], args, new boolean[0], value)[0];
        return derive("leakyRelu", out, g -> Native.exec("lrelu_bp", new long[0], args, new boolean[0], value, g), this);
    }

    /** ln(1 + eˣ).   Gradient: ND4J's softplus_bp. */
    public Tensor softplus() {
        INDArray out = Native.first("softplus", new long[0], value);
        return derive("softplus", out, g -> Native.exec("softplus_bp", new long[0], value, g), this);
    }

    /** Swish (SiLU): x·σ(x).   dx = g·(σ + x·σ·(1 − σ)), from ND4J's SwishDerivative. */
    public Tensor swish() {
        INDArray out = Nd4j.exec(new Swish(value, value.ulike()));
        return derive("swish", out, g -> grads(Nd4j.exec(new SwishDerivative(value, value.ulike())).muli(g)), this);
    }

    // ---- reductions ----

    /** Sum over {@code axes} (all when none).   dx = g broadcast back over the summed axes. */
    public Tensor sum(boolean keepDims, int... axes) {
        int[] dims = resolveAxes(axes);
        INDArray out = scaledSum(dims, keepDims, 1);
        return derive("sum", out, g -> grads(Broadcast.expandTo(g, keptShape(dims), value.shape(), 1)), this);
    }

    public Tensor sum(int... axes) { return sum(false, axes); }

    /** Mean over {@code axes} (all when none).   dx = g / n broadcast back. */
    public Tensor mean(boolean keepDims, int... axes) {
        int[] dims = resolveAxes(axes);
        long count = 1;
        for (int d : dims) count *= value.size(d);
        double scale = 1.0 / count;
        INDArray out = scaledSum(dims, keepDims, scale);
        return derive("mean", out, g -> grads(Broadcast.expandTo(g, keptShape(dims), value.shape(), scale)), this);
    }

    public Tensor mean(int... axes) { return mean(false, axes); }

    /**
     * scale·Σ over {@code dims} (sorted): a sum (scale 1) or a mean (1/count). On the CPU, when the axes are one run of
     * adjacent axes of a dense float array, a BLAS product per index before them ({@link CpuBlas#sumsAlong}), as for
     * GlobalAveragePooling1D's mean over the steps: ND4J's reduction woke its second OpenMP thread for each call.
     */
    private INDArray scaledSum(int[] dims, boolean keepDims, double scale) {
        boolean adjacent = dims.length > 0;
        for (int i = 1; i < dims.length; i++) adjacent &= dims[i] == dims[i - 1] + 1;
        if (!adjacent || value.length() == 0 || !Broadcast.onHost(value, value)) {
            return scale == 1 ? value.sum(keepDims, dims) : value.mean(keepDims, dims);
        }
        long[] sizes = Broadcast.aroundRun(value.shape(), dims[0], dims[dims.length - 1]);
        return CpuBlas.sumsAlong(value, Math.toIntExact(sizes[0]), Math.toIntExact(sizes[1]), Math.toIntExact(sizes[2]), scale,
                reducedShape(dims, keepDims));
    }

    /** Maximum over {@code axes}.   The gradient goes to the first maximum (ND4J's reduce_max_bp). */
    public Tensor max(boolean keepDims, int... axes) {
        int[] dims = resolveAxes(axes);
        INDArray out = dims.length == 1 && usesFloat32HostLoops() && value.size(dims[0]) > 0 && value.length() > 0
                ? HostLoops.maxAlong(value, dims[0], reducedShape(dims, keepDims)) : value.max(keepDims, dims);
        long[] longDims = Arrays.stream(dims).asLongStream().toArray();
        return derive("max", out, g -> {
            if (dims.length == 1 && HostLoops.enabled()) {   // one axis: the host loop finds the first maximum 10x faster
                long[] sizes = Broadcast.aroundRun(value.shape(), dims[0], dims[0]);
                return grads(HostLoops.scatterAdd(g, HostLoops.argmaxAlong(value, sizes[0], sizes[1], sizes[2]), value.shape()));
            }
            return grads(Native.first("reduce_max_bp", longDims, value, g.reshape(keptShape(dims))));
        }, this);
    }

    public Tensor max(int... axes) { return max(false, axes); }

    /** This tensor's shape after a reduction over {@code axes}: they are kept as size 1 ({@link #keptShape}) or dropped. */
    private long[] reducedShape(int[] axes, boolean keepDims) {
        long[] kept = keptShape(axes);
        if (keepDims) return kept;
        boolean[] reduced = new boolean[kept.length];
        for (int axis : axes) reduced[axis] = true;
        long[] dropped = new long[kept.length - axes.length];
        for (int d = 0, at = 0; d < kept.length; d++) if (!reduced[d]) dropped[at++] = kept[d];
        return dropped;
    }

    private int[] resolveAxes(int[] axes) {
        if (axes.length == 0) {
            int[] all = new int[rank()];
            for (int i = 0; i < all.length; i++) all[i] = i;
            return all;
        }
        Shape shape = shape();
        int[] resolved = new int[axes.length];
        for (int i = 0; i < axes.length; i++) resolved[i] = shape.axis(axes[i]);
        Arrays.sort(resolved);
        return resolved;
    }

    private long[] keptShape(int[] reducedAxes) {
        long[] kept = value.shape().clone();
        for (int d : reducedAxes) kept[d] = 1;
        return kept;
    }

    // ---- matrix products ----

    /**
     * Matrix product over the last two axes. [M, K]·[K, N] → [M, N]; [..., M, K]·[K, N] → [..., M, N] (one GEMM over
     * the flattened leading axes); [B..., M, K]·[B..., K, N] → [B..., M, N] batched.
     * dThis = g·otherᵀ, dOther = thisᵀ·g.
     */
    public Tensor matmul(Tensor other) {
        long[] a = value.shape();
        long[] b = other.value.shape();
        if (a.length < 2 || b.length < 2 || a[a.length - 1] != b[b.length - 2] || (b.length > 2 && b.length != a.length)) {
            throw new IllegalArgumentException("matmul: cannot multiply shapes " + shape() + " and " + other.shape()
                    + ". Expected [..., M, K] and [K, N] or [..., K, N] with the same leading axes.");
        }
        if (value.dataType() != other.value.dataType()) {
            throw new IllegalArgumentException("matmul: dtypes differ: " + dtype().kerasName() + " and " + other.dtype().kerasName()
                    + ". Cast one with cast().");
        }
        if (b.length == 2) return matmulFlat(other);
        for (int i = 0; i < a.length - 2; i++) {
            if (a[i] != b[i]) throw new IllegalArgumentException("matmul: batch axes differ between " + shape() + " and " + other.shape());
        }
        if (HostLoops.enabled() && CpuBlas.supports(value.dataType())) {   // one cblas call per slice, on strided views as they are
            INDArray out = CpuBlas.matmul(value, false, other.value, false);
            return derive("matmul", out, g -> grads(requiresGrad ? CpuBlas.matmul(g, false, other.value, true) : null,
                    other.requiresGrad ? CpuBlas.matmul(value, true, g, false) : null), this, other);
        }
        INDArray out = Native.first("matmul", new long[] {0, 0, 0}, value, other.value);
        return derive("matmul", out, g -> Native.exec("matmul_bp", new long[] {0, 0, 0}, value, other.value, g), this, other);
    }

    private Tensor matmulFlat(Tensor other) {
        long k = value.size(-1);
        long n = other.value.size(1);
        INDArray a2 = value.rank() == 2 ? value : value.reshape('c', -1, k);
        INDArray out2 = Gemm.matmul(a2, false, other.value, false);
        long[] outShape = value.shape().clone();
        outShape[outShape.length - 1] = n;
        INDArray out = value.rank() == 2 ? out2 : temp(out2).reshape('c', outShape);
        return derive("matmul", out, g -> {
            INDArray g2 = g.rank() == 2 ? g : g.reshape('c', -1, n);
            INDArray dA = requiresGrad ? Gemm.matmul(g2, false, other.value, true) : null;
            if (dA != null && value.rank() != 2) dA = temp(dA).reshape('c', value.shape());
            INDArray dB = other.requiresGrad ? Gemm.matmul(a2, true, g2, false) : null;
            return grads(dA, dB);
        }, this, other);
    }

    // ---- shape ----

    /** The same values in a new shape (one dimension may be -1).   dx = g reshaped back. */
    public Tensor reshape(long... newShape) {
        INDArray out = value.reshape('c', newShape);
        return derive("reshape", out, g -> grads(g.reshape('c', value.shape())), this);
    }

    /** Reorders the axes: output axis i is input axis {@code order[i]}.   dx = g permuted by the inverse order. */
    public Tensor permute(int... order) {
        if (order.length != rank()) {
            throw new IllegalArgumentException("permute needs one entry per axis of " + shape() + ". Received: " + Arrays.toString(order));
        }
        int[] inverse = new int[order.length];
        for (int i = 0; i < order.length; i++) inverse[order[i]] = i;
        INDArray out = value.permute(order);
        return derive("permute", out, g -> grads(g.permute(inverse)), this);
    }

    /** Swaps the last two axes. */
    public Tensor transpose() {
        int[] order = new int[rank()];
        for (int i = 0; i < order.length; i++) order[i] = i;
        order[order.length - 1] = order.length - 2;
        order[order.length - 2] = order.length - 1;
        return permute(order);
    }

    /** Elements [start, end) along {@code axis}.   dx = g placed into zeros at the same positions. */
    public Tensor slice(int axis, long start, long end) {
        int dim = shape().axis(axis);
        long size = value.size(dim);
        if (start < 0 || end > size || start >= end) {
            throw new IllegalArgumentException("slice [" + start + ", " + end + ") is out of range for axis " + axis + " of " + shape());
        }
        INDArrayIndex[] index = intervalIndex(dim, start, end);
        INDArray out = value.get(index).dup('c');
        return derive("slice", out, g -> {
            INDArray dx = Nd4j.zeros(value.dataType(), value.shape());
            dx.get(index).assign(g);
            return grads(dx);
        }, this);
    }

    private INDArrayIndex[] intervalIndex(int dim, long start, long end) {
        INDArrayIndex[] index = new INDArrayIndex[rank()];
        for (int i = 0; i < index.length; i++) index[i] = i == dim ? NDArrayIndex.interval(start, end) : NDArrayIndex.all();
        return index;
    }

    /** Joins tensors along {@code axis}; all other axes must agree.   Each input's gradient is its slice of g. */
    public static Tensor concat(int axis, Tensor... tensors) {
        if (tensors.length == 0) throw new IllegalArgumentException("concat needs at least one tensor");
        int dim = tensors[0].shape().axis(axis);
        INDArray[] arrays = new INDArray[tensors.length];
        for (int i = 0; i < tensors.length; i++) {
            Shape s = tensors[i].shape();
            if (s.rank() != tensors[0].rank() || !s.with(dim, 0).equals(tensors[0].shape().with(dim, 0))) {
                throw new IllegalArgumentException("concat along axis " + axis + " needs matching shapes elsewhere. Received: "
                        + Arrays.stream(tensors).map(Tensor::shape).toList());
            }
            arrays[i] = tensors[i].value;
        }
        INDArray out = dim == 0 && HostLoops.enabled() ? HostLoops.concatRows(arrays) : Nd4j.concat(dim, arrays);
        return derive("concat", out, g -> {
            INDArray[] parts = new INDArray[tensors.length];
            long start = 0;
            for (int i = 0; i < tensors.length; i++) {
                long end = start + arrays[i].size(dim);
                parts[i] = g.get(tensors[i].intervalIndex(dim, start, end)).dup('c');
                start = end;
            }
            return parts;
        }, tensors);
    }

    /** Stacks same-shaped tensors along a new axis. */
    public static Tensor stack(int axis, Tensor... tensors) {
        if (tensors.length == 0) throw new IllegalArgumentException("stack needs at least one tensor");
        int newAxis = axis < 0 ? axis + tensors[0].rank() + 1 : axis;
        Tensor[] expanded = new Tensor[tensors.length];
        for (int i = 0; i < tensors.length; i++) {
            if (!tensors[i].shape().equals(tensors[0].shape())) {
                throw new IllegalArgumentException("stack needs tensors of one shape. Received: " + Arrays.stream(tensors).map(Tensor::shape).toList());
            }
            expanded[i] = tensors[i].expandDims(newAxis);
        }
        return concat(newAxis, expanded);
    }

    /**
     * The slices along {@code axis}, each without that axis (Keras's {@code ops.unstack}): how a recurrent loop reads
     * one time step at a time. The slices share one backward, which places their gradients into one array.
     */
    public List<Tensor> unstack(int axis) {
        int dim = shape().axis(axis);
        int count = Math.toIntExact(value.size(dim));
        INDArray[] slices = new INDArray[count];
        for (int i = 0; i < count; i++) slices[i] = value.get(pointIndex(dim, i)).dup('c');
        Tensor[] outputs = deriveMany("unstack", slices, gs -> {
            INDArray dx = Nd4j.zeros(value.dataType(), value.shape());
            for (int i = 0; i < count; i++) if (gs[i] != null) dx.get(pointIndex(dim, i)).assign(gs[i]);
            return grads(dx);
        }, this);
        return List.of(outputs);
    }

    private INDArrayIndex[] pointIndex(int dim, long position) {
        INDArrayIndex[] index = new INDArrayIndex[rank()];
        for (int i = 0; i < index.length; i++) index[i] = i == dim ? NDArrayIndex.point(position) : NDArrayIndex.all();
        return index;
    }

    /** The elements in reverse order along {@code axis} (Keras's {@code ops.flip}).   dx = g flipped back. */
    public Tensor flip(int axis) {
        int dim = shape().axis(axis);
        return derive("flip", reversed(value, dim), g -> grads(reversed(g, dim)), this);
    }

    /**
     * A new array with {@code array}'s entries in reverse order along {@code dim}: a gather of the reversed indices.
     * ND4J's own reverse op leaks about 50 KB of native memory per call in M2.1, so it is not used.
     */
    static INDArray reversed(INDArray array, int dim) {
        int n = Math.toIntExact(array.size(dim));
        int[] indices = new int[n];
        for (int i = 0; i < n; i++) indices[i] = n - 1 - i;
        return Native.first("gather", new long[] {dim}, array, temp(Nd4j.createFromArray(indices)));
    }

    /** Removes {@code axis}, which must have size 1. */
    public Tensor squeeze(int axis) {
        Shape s = shape();
        int dim = s.axis(axis);
        if (s.get(dim) != 1) throw new IllegalArgumentException("squeeze: axis " + axis + " of " + s + " has size " + s.get(dim) + ", not 1");
        long[] dims = new long[s.rank() - 1];
        for (int i = 0, j = 0; i < s.rank(); i++) if (i != dim) dims[j++] = s.get(i);
        return reshape(dims);
    }

    /** Inserts an axis of size 1 at {@code axis} (negative counts from the end of the result). */
    public Tensor expandDims(int axis) {
        Shape s = shape();
        int dim = axis < 0 ? axis + s.rank() + 1 : axis;
        if (dim < 0 || dim > s.rank()) throw new IllegalArgumentException("expandDims: axis " + axis + " is out of range for " + s);
        long[] dims = new long[s.rank() + 1];
        for (int i = 0, j = 0; i < dims.length; i++) dims[i] = i == dim ? 1 : s.get(j++);
        return reshape(dims);
    }

    /**
     * Copies the entries at {@code indices} along axis 0 into a new constant tensor (no gradient is recorded):
     * how a data pipeline cuts a batch out of a whole data set.
     */
    public Tensor rows(long[] indices) {
        long n = value.size(0);
        for (long i : indices) {
            if (i < 0 || i >= n) throw new IllegalArgumentException("rows: index " + i + " is out of range for " + n + " rows");
        }
        return fromArray(Native.first("gather", new long[] {0}, value, Nd4j.createFromArray(indices)));
    }

    /** Converts to another dtype; between float types the gradient converts back. */
    public Tensor cast(DType dtype) {
        if (dtype() == dtype) return this;
        INDArray out = value.castTo(dtype.nd4j());
        return derive("cast", out, g -> grads(g.castTo(value.dataType())), this);
    }
}
