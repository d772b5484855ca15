package dev.kiln.layers;

import dev.kiln.core.MemoryScope;
import dev.kiln.core.Shape;
import dev.kiln.core.Tensor;
import java.util.ArrayList;
import java.util.List;

/**
 * Joins its inputs along {@code axis} (Keras's default -1, the features): every other dimension must agree.
 * Shapes: [B, ..., dᵢ, ...] for each input → [B, ..., Σdᵢ, ...]. Masks combine as Keras: an output step is kept
 * when every input keeps it (for the feature axis), or the masks are joined (for the time axis).
 */
public final class Concatenate extends Layer {

    /** The axis to join along. */
    public record Config(int axis) implements LayerConfig {}

    private final Config config;

    public Concatenate() { this(new Config(-1)); }

    public Concatenate(int axis) { this(new Config(axis)); }

    public Concatenate(Config config) { this.config = config; }

    @Override
    protected void checkInputShapes(List<Shape> shapes) { outputShapes(shapes); }

    @Override
    protected void build(List<Shape> shapes) {}

    @Override
    protected List<Tensor> call(List<Tensor> inputs, List<Tensor> masks, boolean training) {
        return List.of(Tensor.concat(config.axis(), inputs.toArray(Tensor[]::new)));
    }

    @Override
    public List<Shape> outputShapes(List<Shape> shapes) {
        if (shapes.isEmpty()) throw inputError("expects at least 1 input", "none");
        int rank = shapes.get(0).rank();
        if (config.axis() >= rank || config.axis() < -rank) throw inputError("has axis " + config.axis() + ", out of range for its inputs", shapes);
        int axis = shapes.get(0).axis(config.axis());
        long[] dims = shapes.get(0).dims();
        dims[axis] = 0;
        for (Shape s : shapes) {
            if (s.rank() != rank || !s.with(axis, Shape.UNKNOWN).isCompatibleWith(shapes.get(0).with(axis, Shape.UNKNOWN))) {
                throw inputError("expects inputs whose shapes agree except on axis " + config.axis(), shapes);
            }
            dims[axis] = dims[axis] == Shape.UNKNOWN || s.get(axis) == Shape.UNKNOWN ? Shape.UNKNOWN : dims[axis] + s.get(axis);
        }
        for (int i = 0; i < rank; i++) {
            for (Shape s : shapes) if (i != axis && dims[i] == Shape.UNKNOWN) dims[i] = s.get(i);
        }
        return List.of(Shape.of(dims));
    }

    @Override
    public boolean supportsMasking() { return true; }

    /** Keras's rule: broadcast each mask (ones when absent) to its input's shape, join them, keep where all agree. */
    @Override
    public List<Tensor> computeMasks(List<Tensor> inputs, List<Tensor> masks) {
        var result = new ArrayList<Tensor>(1);
        if (!Masks.any(masks)) {
            result.add(null);
            return result;
        }
        var full = new Tensor[inputs.size()];
        for (int i = 0; i < full.length; i++) {
            Tensor ones = Tensor.ones(inputs.get(i).shape(), inputs.get(i).dtype());
            MemoryScope.adopt(ones);                                                        // a per-step temporary
            Tensor m = masks.get(i);
            full[i] = m == null ? ones : ones.mul(m.cast(ones.dtype()).expandDims(-1));    // [B, T, Cᵢ]
        }
        result.add(Tensor.concat(config.axis(), full).neg().max(-1).neg());               // all over the last axis
        return result;
    }

    @Override
    public Config config() { return config; }
}
