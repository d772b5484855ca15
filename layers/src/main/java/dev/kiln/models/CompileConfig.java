package dev.kiln.models;

import dev.kiln.losses.Loss;
import dev.kiln.optim.Optimizer;
import java.util.List;
import java.util.Objects;

/**
 * What {@link Model#compile} was given, as Keras's {@code get_compile_config()}: the optimizer (with its state), one
 * loss and loss weight per output, and the names of the metrics of each output. Saving writes it;
 * {@link Model#compileFromConfig} compiles with it again, rebuilding the metrics by name with Keras's defaults.
 */
public record CompileConfig(Optimizer optimizer, List<Loss> losses, List<Double> lossWeights, List<List<String>> metrics) {

    public CompileConfig {
        Objects.requireNonNull(optimizer, "optimizer");
        losses = List.copyOf(losses);
        lossWeights = List.copyOf(lossWeights);
        metrics = metrics.stream().map(List::copyOf).toList();
        if (losses.isEmpty() || losses.size() != lossWeights.size()) {
            throw new IllegalArgumentException("A compile config needs one loss weight per loss, and at least one loss. Received "
                    + losses.size() + " losses and " + lossWeights.size() + " weights");
        }
    }
}
