package dev.kiln.layers;

import dev.kiln.core.Shape;
import dev.kiln.core.Tensor;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;

/**
 * Runs a recurrent layer forwards and a copy of it backwards over the same sequence and merges the two outputs
 * (Keras's Bidirectional). Both are new layers made from the given layer's configuration, named
 * {@code forward_<name>} and {@code backward_<name>} (so the weights are {@code bidirectional/forward_lstm/lstm_cell/kernel},
 * ...); the backward one has goBackwards flipped, and its output sequence is flipped back into time order before the
 * merge. When returning sequences, masked steps output zeros in both directions (Keras forces zero_output_for_mask).
 *
 * <p>Shapes: [B, T, C] → [B, 2U] (concat) or [B, U] (sum, mul, ave), with a T axis when returning sequences; merge mode
 * none returns both outputs. With returnState the forward states and then the backward states follow. Initial states
 * are extra inputs, the forward layer's first: {@code apply(List.of(x, hForward, cForward, hBackward, cBackward), training)}.
 */
public final class Bidirectional extends Layer {

    /** How the two outputs are combined; NONE returns both (Keras's merge_mode=None). */
    public enum MergeMode {
        CONCAT, SUM, MUL, AVE, NONE;

        public String kerasName() { return this == NONE ? "None" : name().toLowerCase(Locale.ROOT); }
    }

    /** The wrapped layer, the merge mode and an optional backward layer (null: a copy of the layer). */
    public record Config(RNN layer, MergeMode mergeMode, RNN backwardLayer) implements LayerConfig {
        public Config {
            if (layer == null) throw new IllegalArgumentException("Bidirectional needs a recurrent layer. Received: null");
            if (mergeMode == null) throw new IllegalArgumentException("mergeMode must be one of concat, sum, mul, ave, none. Received: null");
        }
    }

    private final Config config;
    private final RNN forwardLayer;
    private final RNN backwardLayer;

    public Bidirectional(RNN layer) { this(layer, MergeMode.CONCAT); }

    public Bidirectional(RNN layer, MergeMode mergeMode) { this(new Config(layer, mergeMode, null)); }

    public Bidirectional(Config config) {
        this.config = config;
        RNN.Options options = config.layer().options().withZeroOutputForMask(config.layer().options().returnSequences());
        this.forwardLayer = config.layer().withOptions(options).named("forward_" + config.layer().name());
        RNN backward = config.backwardLayer();
        this.backwardLayer = backward == null
                ? config.layer().withOptions(options.withGoBackwards(!options.goBackwards())).named("backward_" + config.layer().name())
                : backward.withOptions(backward.options().withZeroOutputForMask(backward.options().returnSequences())).named(backward.name());
        RNN.Options f = forwardLayer.options();
        RNN.Options b = backwardLayer.options();
        if (f.goBackwards() == b.goBackwards()) {
            throw new IllegalArgumentException("Bidirectional needs forward and backward layers with different goBackwards. Received: "
                    + f.goBackwards() + " for both");
        }
        if (f.returnSequences() != b.returnSequences() || f.returnState() != b.returnState() || f.stateful() != b.stateful()) {
            throw new IllegalArgumentException("Bidirectional needs forward and backward layers with the same returnSequences, returnState"
                    + " and stateful. Received: " + f + " and " + b);
        }
    }

    public RNN forwardLayer() { return forwardLayer; }

    public RNN backwardLayer() { return backwardLayer; }

    @Override
    protected void checkInputShapes(List<Shape> shapes) {
        int states = forwardLayer.cell().stateSizes().size();
        if (shapes.size() != 1 && shapes.size() != 1 + 2 * states) {
            throw inputError("expects its input alone or with " + states + " initial state(s) per direction",
                    (shapes.size() - 1) + " initial states");
        }
        forwardLayer.checkInputShapes(forwardPart(shapes));
        backwardLayer.checkInputShapes(backwardPart(shapes));
    }

    @Override
    protected void build(List<Shape> shapes) {
        forwardLayer.maybeBuild(forwardPart(shapes));
        backwardLayer.maybeBuild(backwardPart(shapes));
    }

    /** The input and the first half of the initial states. */
    private static <T> List<T> forwardPart(List<T> all) { return part(all, 1, 1 + (all.size() - 1) / 2); }

    /** The input and the second half of the initial states. */
    private static <T> List<T> backwardPart(List<T> all) { return part(all, 1 + (all.size() - 1) / 2, all.size()); }

    private static <T> List<T> part(List<T> all, int from, int to) {
        var part = new ArrayList<T>(Collections.singletonList(all.get(0)));
        part.addAll(all.subList(from, to));
        return part;
    }

    @Override
    protected List<Tensor> call(List<Tensor> inputs, List<Tensor> masks, boolean training) {
        List<Tensor> forward = forwardLayer.apply(forwardPart(inputs), forwardPart(masks), training);
        List<Tensor> backward = backwardLayer.apply(backwardPart(inputs), backwardPart(masks), training);
        Tensor y = forward.get(0);                                                       // [B, (T,) U]
        Tensor yReversed = forwardLayer.options().returnSequences() ? backward.get(0).flip(1) : backward.get(0);
        var outputs = new ArrayList<Tensor>();
        switch (config.mergeMode()) {
            case CONCAT -> outputs.add(Tensor.concat(-1, y, yReversed));               // [B, (T,) 2U]
            case SUM -> outputs.add(y.add(yReversed));
            case MUL -> outputs.add(y.mul(yReversed));
            case AVE -> outputs.add(y.add(yReversed).mul(0.5));
            case NONE -> outputs.addAll(List.of(y, yReversed));
        }
        outputs.addAll(forward.subList(1, forward.size()));
        outputs.addAll(backward.subList(1, backward.size()));
        return outputs;
    }

    @Override
    public Shape outputShape(Shape inputShape) { return outputShapes(List.of(inputShape)).get(0); }

    @Override
    public List<Shape> outputShapes(List<Shape> inputShapes) {
        List<Shape> forward = forwardLayer.outputShapes(forwardPart(inputShapes));
        Shape y = forward.get(0);
        var shapes = new ArrayList<Shape>();
        switch (config.mergeMode()) {
            case CONCAT -> shapes.add(y.withLast(2 * y.last()));
            case NONE -> shapes.addAll(List.of(y, y));
            default -> shapes.add(y);
        }
        shapes.addAll(forward.subList(1, forward.size()));
        shapes.addAll(forward.subList(1, forward.size()));
        return shapes;
    }

    @Override
    public boolean supportsMasking() { return true; }

    /** Returned sequences keep the input's mask; last outputs and states carry none. */
    @Override
    public List<Tensor> computeMasks(List<Tensor> inputs, List<Tensor> masks) {
        Tensor mask = forwardLayer.options().returnSequences() ? masks.get(0) : null;
        var result = new ArrayList<Tensor>();
        result.add(mask);
        if (config.mergeMode() == MergeMode.NONE) result.add(mask);
        if (forwardLayer.options().returnState()) for (int i = 0; i < 2 * forwardLayer.cell().stateSizes().size(); i++) result.add(null);
        return result;
    }

    /** Zeroes the states of both directions of a stateful layer. */
    public void resetStates() {
        forwardLayer.resetStates();
        backwardLayer.resetStates();
    }

    @Override
    public Config config() { return config; }
}
