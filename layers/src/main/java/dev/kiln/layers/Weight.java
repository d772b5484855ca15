package dev.kiln.layers;

import dev.kiln.core.Tensor;

/**
 * A layer's weight with its Keras identity: {@code name} as Keras names it ({@code kernel}, {@code bias},
 * {@code embeddings}, {@code gamma}, {@code moving_mean}, ...) and {@code path}, the names of the layers it was
 * created in joined by '/' ({@code dense/kernel}, {@code mha/query/kernel}), which saving uses as its key.
 *
 * <p>{@code trainable} says how the weight was created ({@link Layer#addWeight} or
 * {@link Layer#addNonTrainableWeight}); a frozen layer ({@code setTrainable(false)}) keeps the mark but leaves its
 * weights out of {@link Layer#trainableWeights()}. The regularizer (null: none) adds its penalty to
 * {@link Layer#losses()}; the constraint (null: none) is applied by {@link Layer#applyConstraints()}.
 */
public record Weight(String name, String path, Tensor value, boolean trainable, Regularizer regularizer,
                     Constraint constraint) {}
