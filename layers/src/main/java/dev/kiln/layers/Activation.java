package dev.kiln.layers;

import dev.kiln.core.Tensor;
import java.util.Arrays;
import java.util.Locale;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;

/**
 * Element-wise activations with Keras 3's names and defaults; an enum so that configs save them by name.
 * SOFTMAX and LOG_SOFTMAX act on the last axis.
 */
public enum Activation implements UnaryOperator<Tensor> {
    LINEAR(x -> x),
    RELU(Tensor::relu),
    /** min(max(x, 0), 6). */
    RELU6(x -> x.clip(0, 6)),
    SIGMOID(Tensor::sigmoid),
    /** Keras 3's piecewise-linear sigmoid: relu6(x + 3) / 6. */
    HARD_SIGMOID(x -> x.add(3).clip(0, 6).div(6)),
    TANH(Tensor::tanh),
    SOFTMAX(Tensor::softmax),
    LOG_SOFTMAX(Tensor::logSoftmax),
    /** Exact GELU, x·Φ(x) (Keras's default approximate=false). */
    GELU(Tensor::gelu),
    /** x for x > 0, eˣ − 1 otherwise (alpha 1). */
    ELU(x -> x.elu(1.0)),
    /** scale·elu(x, alpha) with Keras's constants. */
    SELU(x -> x.elu(1.6732632423543772).mul(1.0507009873554805)),
    /** x for x ≥ 0, 0.2·x otherwise (Keras's negative_slope 0.2). */
    LEAKY_RELU(x -> x.leakyRelu(0.2)),
    SOFTPLUS(Tensor::softplus),
    /** x / (1 + |x|). */
    SOFTSIGN(x -> x.div(x.abs().add(1))),
    /** x·σ(x). */
    SILU(Tensor::swish),
    /** Keras's other name for SILU. */
    SWISH(Tensor::swish),
    /** x·hard_sigmoid(x). */
    HARD_SILU(x -> x.mul(x.add(3).clip(0, 6).div(6))),
    /** x·tanh(softplus(x)). */
    MISH(x -> x.mul(x.softplus().tanh())),
    EXPONENTIAL(Tensor::exp);

    private final UnaryOperator<Tensor> function;

    Activation(UnaryOperator<Tensor> function) { this.function = function; }

    @Override
    public Tensor apply(Tensor x) { return function.apply(x); }

    /**
     * The activation of a layer's own pre-activation, which nothing else reads (Dense's): relu
     * overwrites it in place when it records no gradient, as in prediction, which saves an array and a pass;
     * every other case is {@link #apply}.
     */
    public Tensor applyToOwn(Tensor preActivation) {
        return this == RELU && !preActivation.requiresGrad() ? preActivation.reluInPlace() : apply(preActivation);
    }

    /** The Keras name: "relu", "leaky_relu", "hard_sigmoid". */
    public String kerasName() { return name().toLowerCase(Locale.ROOT); }

    /** Looks an activation up by its Keras name ("relu", "gelu", ...); null means linear, as in Keras. */
    public static Activation byName(String name) {
        if (name == null) return LINEAR;
        String key = name.trim().toLowerCase(Locale.ROOT);
        if (key.equals("hard_swish")) return HARD_SILU;
        for (Activation a : values()) if (a.kerasName().equals(key)) return a;
        throw new IllegalArgumentException("Unknown activation '" + name + "'. Expected one of: "
                + Arrays.stream(values()).map(Activation::kerasName).collect(Collectors.joining(", ")));
    }
}
