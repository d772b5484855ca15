package dev.kiln.layers;

import dev.kiln.core.Shape;
import dev.kiln.core.Tensor;
import java.util.ArrayList;
import java.util.List;

/**
 * One step of a recurrent layer (Keras's RNN cell): from the input at a step and the states after the previous
 * step, the output and the new states. An {@link RNN} runs a cell over a sequence; the cell knows nothing of
 * sequences, masks or directions. A custom cell implements {@link #stateSizes()}, {@link #build(Shape)} (from one
 * step's input shape [B, C]) and {@link #step}; {@link SimpleRNNCell}, {@link LSTMCell} and {@link GRUCell} are the
 * built-in ones.
 *
 * <p>Applied on its own, a cell takes [input, state₀, state₁, ...] and gives [output, new states...], as in Keras.
 */
public abstract class RNNCell extends Layer {

    /** The output of one step and the states after it, in {@link #stateSizes()} order. */
    public record Step(Tensor output, List<Tensor> states) {
        public Step { states = List.copyOf(states); }
    }

    /**
     * A whole sequence at once, from a cell with a kernel for it: every step's output [B, T, outputSize] in
     * processing order (null unless asked for), the last output [B, outputSize] and the last states.
     */
    public record Sequence(Tensor outputs, Tensor lastOutput, List<Tensor> states) {
        public Sequence { states = List.copyOf(states); }
    }

    /** The sizes of the states, in order (Keras's {@code state_size}): [U] for SimpleRNN and GRU, [U, U] (h, c) for LSTM. */
    public abstract List<Integer> stateSizes();

    /** The size of each step's output (Keras's {@code output_size}); the first state's size unless overridden. */
    public int outputSize() { return stateSizes().get(0); }

    /** One step: input [B, C] and states [B, sᵢ] → the output [B, outputSize] and the new states. */
    public abstract Step step(Tensor input, List<Tensor> states, boolean training);

    /**
     * Called by {@link RNN} before the first step of a sequence with that step's input shape, so per-sequence
     * randomness (Keras's recurrent dropout masks, one per sequence) is drawn once. No-op by default.
     */
    protected void startSequence(Shape stepInputShape, boolean training) {}

    /** Called by {@link RNN} after the last step of a sequence; forgets what {@link #startSequence} prepared. */
    protected void endSequence() {}

    /**
     * Runs the whole sequence in one kernel when the cell has one for this configuration, or returns null and the RNN
     * steps through time with {@link #step}. The contract is Keras's: {@code mask} [B, T] (or null) marks the steps
     * with data, a masked step carries the states unchanged and repeats the previous output, and with
     * {@code goBackwards} the steps run last to first and the outputs come in that order.
     */
    protected Sequence sequence(Tensor inputs, Tensor mask, List<Tensor> initialStates, boolean goBackwards,
                                boolean returnSequences, boolean training) {
        return null;
    }

    @Override
    protected final void build(List<Shape> inputShapes) { build(inputShapes.get(0)); }

    @Override
    protected void checkInputShapes(List<Shape> shapes) {
        Shape input = shapes.get(0);
        if (input.rank() != 2) throw inputError("expects a step input of rank 2 [batch, features]", input);
        List<Integer> sizes = stateSizes();
        if (shapes.size() != 1 + sizes.size()) {
            throw inputError("expects its input and " + sizes.size() + " state(s)", shapes.size() + " tensors of shapes " + shapes);
        }
        for (int i = 0; i < sizes.size(); i++) {
            Shape expected = Shape.of(input.get(0), sizes.get(i));
            if (!shapes.get(i + 1).isCompatibleWith(expected)) {
                throw inputError("expects state " + i + " of shape " + expected, shapes.get(i + 1));
            }
        }
    }

    @Override
    protected final List<Tensor> call(List<Tensor> inputs, List<Tensor> masks, boolean training) {
        Step result = step(inputs.get(0), inputs.subList(1, inputs.size()), training);
        var outputs = new ArrayList<Tensor>(1 + result.states().size());
        outputs.add(result.output());
        outputs.addAll(result.states());
        return outputs;
    }

    @Override
    public List<Shape> outputShapes(List<Shape> inputShapes) {
        long batch = inputShapes.get(0).get(0);
        var shapes = new ArrayList<Shape>();
        shapes.add(Shape.of(batch, outputSize()));
        for (int size : stateSizes()) shapes.add(Shape.of(batch, size));
        return shapes;
    }
}
