package dev.kiln.optim;

/**
 * An optimizer's configuration: its Keras name, learning rate, {@link OptimizerOptions} and its own
 * hyper-parameters. Each optimizer has a nested {@code record Config} implementing this, which is what
 * {@link Optimizer#config()} returns, what saving writes, and what {@link #create()} turns back into an optimizer.
 *
 * @param <C> the implementing record, so that the withers below keep its type
 */
public interface OptimizerConfig<C extends OptimizerConfig<C>> {

    /** The Keras name: "sgd", "adam", "adamw", "rmsprop", "adagrad", "nadam". */
    String name();

    LearningRateSchedule learningRate();

    OptimizerOptions options();

    C withLearningRate(LearningRateSchedule learningRate);

    C withOptions(OptimizerOptions options);

    /** A new optimizer with this configuration, at iteration 0 and without state. */
    Optimizer create();

    default C withLearningRate(double learningRate) { return withLearningRate(LearningRateSchedule.constant(learningRate)); }

    default C withWeightDecay(double weightDecay) { return withOptions(options().withWeightDecay(weightDecay)); }

    default C withClipnorm(double clipnorm) { return withOptions(options().withClipnorm(clipnorm)); }

    default C withClipvalue(double clipvalue) { return withOptions(options().withClipvalue(clipvalue)); }

    default C withGlobalClipnorm(double globalClipnorm) { return withOptions(options().withGlobalClipnorm(globalClipnorm)); }
}
