package dev.kiln.layers;

import dev.kiln.core.Shape;
import dev.kiln.core.Tensor;

/**
 * Applies an activation element-wise: {@code outputs = activation(inputs)}; Keras's {@code layers.Activation}
 * (named "activation", shown as "Activation"; the Java name leaves {@link Activation} to the enum).
 * Shapes: outputs = inputs. Masks pass through.
 */
public final class ActivationLayer extends Layer {

    /** The activation. */
    public record Config(Activation activation) implements LayerConfig {
        public Config {
            if (activation == null) throw new IllegalArgumentException("An Activation layer needs an activation. Received: null");
        }
    }

    private final Config config;

    public ActivationLayer(Activation activation) { this(new Config(activation)); }

    /** By Keras name: {@code new ActivationLayer("relu")}. */
    public ActivationLayer(String activation) { this(Activation.byName(activation)); }

    public ActivationLayer(Config config) { this.config = config; }

    @Override
    public String kerasClassName() { return "Activation"; }

    @Override
    protected Tensor call(Tensor inputs, boolean training) { return config.activation().apply(inputs); }

    @Override
    public Shape outputShape(Shape inputShape) { return inputShape; }

    @Override
    public boolean supportsMasking() { return true; }

    @Override
    public Config config() { return config; }
}
