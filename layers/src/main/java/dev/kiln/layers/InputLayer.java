package dev.kiln.layers;

import dev.kiln.core.DType;
import dev.kiln.core.Shape;
import dev.kiln.core.Tensor;
import java.util.List;

/**
 * The source of a model input: owns the {@link SymbolicTensor} that {@code Input.of(...)} returns. It has no
 * weights and passes its input through.
 *
 * <p>Shapes: batchShape is the full shape with the batch dimension first, usually {@link Shape#UNKNOWN}.
 */
public final class InputLayer extends Layer {

    /** The input's full shape (batch first) and dtype. */
    public record Config(Shape batchShape, DType dtype) implements LayerConfig {
        public Config {
            if (batchShape == null || batchShape.rank() < 1) {
                throw new IllegalArgumentException("An input needs a shape with a batch dimension. Received: " + batchShape);
            }
            if (dtype == null) throw new IllegalArgumentException("An input needs a dtype. Received: null");
        }
    }

    private final Config config;
    private final SymbolicTensor output;

    public InputLayer(Config config) {
        this.config = config;
        var node = new Node(this, List.of(), List.of(config.batchShape()), config.dtype());
        markBuilt(List.of(config.batchShape()));
        output = node.outputs().get(0);
        registerNode(node);
    }

    /** The symbolic tensor this input produces. */
    public SymbolicTensor output() { return output; }

    @Override
    protected Tensor call(Tensor inputs, boolean training) { return inputs; }

    @Override
    public Shape outputShape(Shape inputShape) { return inputShape; }

    @Override
    public Config config() { return config; }
}
