package dev.kiln.layers;

import dev.kiln.core.Initializer;
import dev.kiln.core.NN;
import dev.kiln.core.Shape;
import dev.kiln.core.Tensor;
import java.util.Arrays;

/**
 * Keras's EinsumDense in the form MultiHeadAttention uses: a dense layer whose kernel contracts the input's last k
 * axes and appends its own output axes, {@code outputs = einsum(equation, inputs, kernel) + bias}.
 * "abc,cde->abde" maps [B, T, D] to [B, T, N, H] with a kernel [D, N, H]; "abcd,cde->abe" maps [B, T, N, H] to
 * [B, T, O] with a kernel [N, H, O]. The bias has the output axes' shape (Keras's bias_axes over all of them).
 * It runs as one GEMM: the contracted axes flattened, times the kernel viewed as a matrix.
 */
final class EinsumDense extends Layer {

    /** All constructor arguments; {@code outputShape} is the size of each output axis the kernel adds. */
    record Config(String equation, Shape outputShape, boolean useBias, Initializer kernelInitializer, Initializer biasInitializer,
                  Regularizer kernelRegularizer, Regularizer biasRegularizer, Regularizer activityRegularizer,
                  Constraint kernelConstraint, Constraint biasConstraint) implements LayerConfig {
        Config {
            int added = new Equation(equation).added.length();
            if (outputShape.rank() != added || !outputShape.isFullyKnown()) {
                throw new IllegalArgumentException("outputShape must give the size of the " + added + " output axes of '" + equation
                        + "'. Received: outputShape=" + outputShape);
            }
        }
    }

    /** "ab…c,c…d->ab…d" split into the input's free axes, the contracted axes and the kernel's added axes. */
    private record Equation(String free, String contracted, String added) {
        Equation(String equation) { this(parse(equation)); }

        private Equation(String[] parts) { this(parts[0], parts[1], parts[2]); }

        private static String[] parse(String equation) {
            String[] io = equation.replace(" ", "").split("->");
            String[] operands = io[0].split(",");
            if (io.length == 2 && operands.length == 2) {
                String input = operands[0], kernel = operands[1];
                int k = 0;
                while (k < kernel.length() && input.indexOf(kernel.charAt(k)) >= 0) k++;
                String free = input.substring(0, Math.max(0, input.length() - k));
                if (k > 0 && input.endsWith(kernel.substring(0, k)) && io[1].equals(free + kernel.substring(k))) {
                    return new String[] {free, kernel.substring(0, k), kernel.substring(k)};
                }
            }
            throw new IllegalArgumentException("EinsumDense supports equations 'ab…c,c…d->ab…d' (contract the input's last axes"
                    + " with the kernel's first). Received: equation='" + equation + "'");
        }
    }

    private final Config config;
    private final Equation equation;
    private Tensor kernel;  // [contracted dims..., outputShape...]
    private Tensor bias;    // outputShape; null without bias

    EinsumDense(Config config) {
        this.config = config;
        this.equation = new Equation(config.equation());
    }

    @Override
    protected void checkInputShape(Shape inputShape) {
        int rank = equation.free().length() + equation.contracted().length();
        if (inputShape.rank() != rank) throw inputError("expects input of rank " + rank + " for '" + config.equation() + "'", inputShape);
        if (kernel == null) return;
        Shape built = Shape.of(Arrays.copyOf(kernel.shape().dims(), equation.contracted().length()));
        if (!contractedShape(inputShape).equals(built)) throw inputError("was built for inputs whose last axes are " + built, inputShape);
    }

    /** The sizes of the input's contracted (last) axes. */
    private Shape contractedShape(Shape inputShape) {
        long[] dims = inputShape.dims();
        return Shape.of(Arrays.copyOfRange(dims, dims.length - equation.contracted().length(), dims.length));
    }

    @Override
    protected void build(Shape inputShape) {
        Shape kernelShape = contractedShape(inputShape);
        for (long d : config.outputShape().dims()) kernelShape = kernelShape.append(d);
        kernel = addWeight("kernel", kernelShape, config.kernelInitializer(), config.kernelRegularizer(), config.kernelConstraint());
        bias = config.useBias() ? addWeight("bias", config.outputShape(), config.biasInitializer(), config.biasRegularizer(),
                config.biasConstraint()) : null;
    }

    @Override
    protected Tensor call(Tensor inputs, boolean training) {
        long outSize = config.outputShape().size();
        long[] flat = Arrays.copyOf(inputs.shape().dims(), equation.free().length() + 1);
        flat[flat.length - 1] = -1;
        // [B, T, Πcontracted] · [Πcontracted, Πoutput] + [Πoutput]
        var x = NN.dense(inputs.reshape(flat), kernel.reshape(-1, outSize), bias == null ? null : bias.reshape(outSize));
        return x.reshape(outputShape(inputs.shape()).dims());                 // [B, T, outputShape...]
    }

    @Override
    public Shape outputShape(Shape inputShape) {
        Shape out = Shape.of(Arrays.copyOf(inputShape.dims(), equation.free().length()));
        for (long d : config.outputShape().dims()) out = out.append(d);
        return out;
    }

    @Override
    protected Regularizer activityRegularizer() { return config.activityRegularizer(); }

    @Override
    public Config config() { return config; }
}
