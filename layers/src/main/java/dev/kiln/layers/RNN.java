package dev.kiln.layers;

import dev.kiln.core.MemoryScope;
import dev.kiln.core.PredictionMemory;
import dev.kiln.core.Shape;
import dev.kiln.core.Tensor;
import java.util.ArrayList;
import java.util.List;

/**
 * Runs an {@link RNNCell} over the steps of a sequence (Keras's RNN layer); {@link SimpleRNN}, {@link LSTM} and
 * {@link GRU} are RNNs with a built-in cell. This class owns everything about sequences, so cells stay one step.
 *
 * <p>Shapes: inputs [B, T, C] → output [B, U] (the last step's) or, with {@code returnSequences}, [B, T, U]. With
 * {@code returnState} the outputs are [output, state₀, state₁, ...], each state [B, sᵢ] (h, then c for an LSTM).
 * Initial states are extra inputs: {@code apply(List.of(x, h0, c0), training)}; without them the states start at 0.
 *
 * <p>Masks, as Keras (from {@code Embedding(maskZero)} or an explicit [B, T] mask of 1 and 0): a masked step leaves
 * every state unchanged and repeats the previous output (the first state, as Keras's JAX backend reads it), so
 * sequences of different lengths padded before or after share a batch, and the last output is the one after each
 * sequence's last valid step. With {@code returnSequences} the output carries the mask on; with
 * {@code zeroOutputForMask} (Bidirectional sets it) masked steps output zeros instead. {@code goBackwards} runs the
 * steps last to first and returns the sequence in that order. {@code stateful} starts each call from the states the
 * previous call ended with (same batch size; no gradient flows between calls) until {@link #resetStates()}.
 *
 * <p>A cell with a whole-sequence kernel for its configuration (LSTMCell, GRUCell) runs it; otherwise the RNN steps the
 * cell through time with Tensor ops, and autograd differentiates the loop.
 */
public class RNN extends Layer {

    /** How the sequence is run and what is returned; Keras's RNN arguments. */
    public record Options(boolean returnSequences, boolean returnState, boolean goBackwards, boolean stateful,
                          boolean zeroOutputForMask) {
        /** Keras's defaults: all false. */
        public static final Options DEFAULTS = new Options(false, false, false, false, false);

        public Options withReturnSequences(boolean returnSequences) {
            return new Options(returnSequences, returnState, goBackwards, stateful, zeroOutputForMask);
        }

        public Options withReturnState(boolean returnState) {
            return new Options(returnSequences, returnState, goBackwards, stateful, zeroOutputForMask);
        }

        public Options withGoBackwards(boolean goBackwards) {
            return new Options(returnSequences, returnState, goBackwards, stateful, zeroOutputForMask);
        }

        public Options withStateful(boolean stateful) {
            return new Options(returnSequences, returnState, goBackwards, stateful, zeroOutputForMask);
        }

        public Options withZeroOutputForMask(boolean zeroOutputForMask) {
            return new Options(returnSequences, returnState, goBackwards, stateful, zeroOutputForMask);
        }
    }

    /** The cell and the options. Saving writes this record; loading reads it back. */
    public record Config(RNNCell cell, Options options) implements LayerConfig {
        public Config {
            if (cell == null) throw new IllegalArgumentException("An RNN needs a cell. Received: null");
            if (options == null) options = Options.DEFAULTS;
        }
    }

    private final RNNCell cell;
    private final Options options;
    private List<Tensor> states;   // stateful: the states after the latest call, [B, sᵢ] each, outside any scope's record

    public RNN(RNNCell cell) { this(cell, Options.DEFAULTS); }

    public RNN(RNNCell cell, Options options) { this(new Config(cell, options)); }

    public RNN(Config config) {
        this.cell = config.cell();
        this.options = config.options();
    }

    public RNNCell cell() { return cell; }

    public final Options options() { return options; }

    /** Not when stateful: each call starts from the states the previous one left, row by row of the whole batch. */
    @Override
    public boolean predictsInParts() { return !options.stateful() && super.predictsInParts(); }

    /** A new, unbuilt layer of this kind and configuration with other options (how Bidirectional makes its two copies). */
    protected RNN withOptions(Options options) { return new RNN(new Config(fresh(cell), options)); }

    /**
     * A new instance of {@code layer}'s class with its config and name, as Keras rebuilds a layer from its serialized
     * config (every layer has a public constructor taking its record).
     */
    @SuppressWarnings("unchecked")
    static <L extends Layer> L fresh(L layer) {
        LayerConfig config = layer.config();
        try {
            return ((L) layer.getClass().getConstructor(config.getClass()).newInstance(config)).named(layer.name());
        } catch (ReflectiveOperationException e) {
            throw new IllegalArgumentException(layer.describe() + " cannot be copied: " + layer.getClass().getSimpleName()
                    + " needs a public constructor taking its " + config.getClass().getSimpleName(), e);
        }
    }

    @Override
    protected void checkInputShapes(List<Shape> shapes) {
        Shape x = shapes.get(0);
        if (x.rank() != 3) throw inputError("expects input of rank 3 [batch, steps, features]", x);
        if (x.last() == Shape.UNKNOWN) throw inputError("expects a known number of features [batch, steps, features]", x);
        if (cell.built() && x.last() != cell.buildShapes().get(0).last()) {
            throw inputError("was built for " + cell.buildShapes().get(0).last() + " input features [batch, steps, "
                    + cell.buildShapes().get(0).last() + "]", x);
        }
        List<Integer> sizes = cell.stateSizes();
        if (shapes.size() > 1 && shapes.size() != 1 + sizes.size()) {
            throw inputError("expects its input alone or with " + sizes.size() + " initial state(s)", (shapes.size() - 1)
                    + " initial state(s) " + shapes.subList(1, shapes.size()));
        }
        for (int i = 1; i < shapes.size(); i++) {
            Shape expected = Shape.of(x.get(0), sizes.get(i - 1));
            if (!shapes.get(i).isCompatibleWith(expected)) {
                throw inputError("expects initial state " + (i - 1) + " of shape " + expected, shapes.get(i));
            }
        }
        if (states != null && x.get(0) != Shape.UNKNOWN && x.get(0) != states.get(0).size(0)) {
            throw inputError("is stateful and keeps states for a batch of " + states.get(0).size(0)
                    + "; call resetStates() or use that batch size", x);
        }
    }

    @Override
    protected void build(List<Shape> shapes) { cell.maybeBuild(Shape.of(shapes.get(0).get(0), shapes.get(0).get(2))); }

    @Override
    protected List<Tensor> call(List<Tensor> inputs, List<Tensor> masks, boolean training) {
        Tensor x = inputs.get(0);                                                  // [B, T, C]
        Tensor mask = masks.get(0);                                                // [B, T] or null
        List<Tensor> initial = initialStates(inputs);                              // [B, sᵢ] each, or nulls: zeros
        cell.startSequence(Shape.of(x.size(0), x.size(2)), training);
        RNNCell.Sequence result;
        try {
            result = cell.sequence(x, mask, initial, options.goBackwards(), options.returnSequences(), training);
            if (result == null) result = stepThroughTime(x, mask, initial, training);
        } finally {
            cell.endSequence();
        }
        if (options.stateful()) keepStates(result.states());
        var outputs = new ArrayList<Tensor>();
        outputs.add(options.returnSequences() ? zeroMasked(result.outputs(), mask) : result.lastOutput());   // [B, T, U] / [B, U]
        if (options.returnState()) outputs.addAll(result.states());
        return outputs;
    }

    private List<Tensor> initialStates(List<Tensor> inputs) {
        if (inputs.size() > 1) return inputs.subList(1, inputs.size());
        var initial = new ArrayList<Tensor>();
        for (int i = 0; i < cell.stateSizes().size(); i++) {
            initial.add(states == null ? null : states.get(i).mul(1.0));   // a copy: keepStates overwrites the kept one
        }
        return initial;
    }

    /** The generic loop: the cell's step at every time step, with Keras's masked updates. */
    private RNNCell.Sequence stepThroughTime(Tensor x, Tensor mask, List<Tensor> initial, boolean training) {
        long batch = x.size(0);
        List<Tensor> steps = x.unstack(1);                                         // T × [B, C]
        List<Tensor> keep = mask == null ? null : mask.cast(x.dtype()).expandDims(-1).unstack(1);   // T × [B, 1]
        List<Tensor> drop = mask == null ? null : mask.cast(x.dtype()).expandDims(-1).rsub(1.0).unstack(1);
        var current = new ArrayList<Tensor>();
        for (int i = 0; i < initial.size(); i++) {
            current.add(initial.get(i) != null ? initial.get(i) : zeros(batch, cell.stateSizes().get(i)));
        }
        Tensor previous = cell.outputSize() == cell.stateSizes().get(0) ? current.get(0) : zeros(batch, cell.outputSize());
        var outputs = new ArrayList<Tensor>();
        for (int s = 0; s < steps.size(); s++) {
            int t = options.goBackwards() ? steps.size() - 1 - s : s;
            RNNCell.Step step = cell.step(steps.get(t), current, training);
            Tensor output = step.output();
            List<Tensor> next = step.states();
            if (keep != null) {
                output = blend(keep.get(t), drop.get(t), output, previous);
                for (int i = 0; i < next.size(); i++) current.set(i, blend(keep.get(t), drop.get(t), next.get(i), current.get(i)));
            } else {
                current = new ArrayList<>(next);
            }
            previous = output;
            if (options.returnSequences()) outputs.add(output);
        }
        Tensor sequence = options.returnSequences() ? Tensor.stack(1, outputs.toArray(Tensor[]::new)) : null;   // [B, T, U]
        return new RNNCell.Sequence(sequence, previous, current);
    }

    /** updated where the step holds data, old where it is masked: exact for masks of 1 and 0. */
    private static Tensor blend(Tensor keep, Tensor drop, Tensor updated, Tensor old) { return updated.mul(keep).add(old.mul(drop)); }

    private Tensor zeros(long batch, long size) {
        Tensor zeros = Tensor.zeros(Shape.of(batch, size), dtype());
        MemoryScope.adopt(zeros);
        return zeros;
    }

    /** The output sequence, zero at masked steps when zeroOutputForMask asks for it. */
    private Tensor zeroMasked(Tensor sequence, Tensor mask) {
        if (!options.zeroOutputForMask() || mask == null) return sequence;
        Tensor m = mask.cast(sequence.dtype());
        return sequence.mul((options.goBackwards() ? m.flip(1) : m).expandDims(-1));
    }

    // ---- state ----

    /** The states a stateful layer will start its next call from, or an empty list before its first call. */
    public final List<Tensor> states() { return states == null ? List.of() : states; }

    /** Zeroes the states of a stateful layer (Keras's {@code reset_states}). */
    public void resetStates() {
        if (!options.stateful()) throw new IllegalStateException(describe() + " is not stateful, so it keeps no states to reset");
        if (states != null) for (Tensor s : states) s.assign(Tensor.zeros(s.shape(), s.dtype()));
    }

    /** Sets the states of a stateful layer to {@code values}, [B, sᵢ] each, for its next call. */
    public void resetStates(List<Tensor> values) {
        if (!options.stateful()) throw new IllegalStateException(describe() + " is not stateful, so it keeps no states to set");
        List<Integer> sizes = cell.stateSizes();
        if (values.size() != sizes.size()) throw inputError("keeps " + sizes.size() + " state(s)", values.size() + " values");
        for (int i = 0; i < sizes.size(); i++) {
            Shape s = values.get(i).shape();
            if (s.rank() != 2 || s.get(1) != sizes.get(i)) {
                throw inputError("keeps state " + i + " of shape [batch, " + sizes.get(i) + "]", s);
            }
        }
        states = null;
        keepStates(values);
    }

    private void keepStates(List<Tensor> last) {
        if (states == null) states = PredictionMemory.outside(() -> last.stream().map(s -> Tensor.zeros(s.shape(), dtype())).toList());
        for (int i = 0; i < states.size(); i++) states.get(i).assign(last.get(i));
    }

    // ---- shapes and masks ----

    @Override
    public Shape outputShape(Shape inputShape) { return outputShapes(List.of(inputShape)).get(0); }

    @Override
    public List<Shape> outputShapes(List<Shape> inputShapes) {
        Shape x = inputShapes.get(0);
        var shapes = new ArrayList<Shape>();
        shapes.add(options.returnSequences() ? Shape.of(x.get(0), x.get(1), cell.outputSize()) : Shape.of(x.get(0), cell.outputSize()));
        if (options.returnState()) for (int size : cell.stateSizes()) shapes.add(Shape.of(x.get(0), size));
        return shapes;
    }

    @Override
    public boolean supportsMasking() { return true; }

    /** The output sequence keeps the input's mask; a last output and the states carry none (Keras's compute_mask). */
    @Override
    public List<Tensor> computeMasks(List<Tensor> inputs, List<Tensor> masks) {
        var result = new ArrayList<Tensor>();
        result.add(options.returnSequences() ? masks.get(0) : null);
        if (options.returnState()) for (int i = 0; i < cell.stateSizes().size(); i++) result.add(null);
        return result;
    }

    @Override
    public LayerConfig config() { return new Config(cell, options); }
}
