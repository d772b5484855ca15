package dev.kiln.callbacks;

import java.util.function.BiConsumer;
import java.util.function.Consumer;

/**
 * A callback from lambdas, as Keras's LambdaCallback: {@code new LambdaCallback().onEpochEnd((epoch, logs) -> ...)}.
 * Each {@code onX(...)} with a lambda returns a new callback with that hook set.
 */
public final class LambdaCallback implements Callback {

    private final BiConsumer<Integer, Logs> epochBegin;
    private final BiConsumer<Integer, Logs> epochEnd;
    private final BiConsumer<Integer, Logs> batchBegin;
    private final BiConsumer<Integer, Logs> batchEnd;
    private final Consumer<Logs> trainBegin;
    private final Consumer<Logs> trainEnd;

    public LambdaCallback() { this(null, null, null, null, null, null); }

    private LambdaCallback(BiConsumer<Integer, Logs> epochBegin, BiConsumer<Integer, Logs> epochEnd, BiConsumer<Integer, Logs> batchBegin,
                           BiConsumer<Integer, Logs> batchEnd, Consumer<Logs> trainBegin, Consumer<Logs> trainEnd) {
        this.epochBegin = epochBegin;
        this.epochEnd = epochEnd;
        this.batchBegin = batchBegin;
        this.batchEnd = batchEnd;
        this.trainBegin = trainBegin;
        this.trainEnd = trainEnd;
    }

    public LambdaCallback onEpochBegin(BiConsumer<Integer, Logs> f) { return new LambdaCallback(f, epochEnd, batchBegin, batchEnd, trainBegin, trainEnd); }

    public LambdaCallback onEpochEnd(BiConsumer<Integer, Logs> f) { return new LambdaCallback(epochBegin, f, batchBegin, batchEnd, trainBegin, trainEnd); }

    public LambdaCallback onTrainBatchBegin(BiConsumer<Integer, Logs> f) { return new LambdaCallback(epochBegin, epochEnd, f, batchEnd, trainBegin, trainEnd); }

    public LambdaCallback onTrainBatchEnd(BiConsumer<Integer, Logs> f) { return new LambdaCallback(epochBegin, epochEnd, batchBegin, f, trainBegin, trainEnd); }

    public LambdaCallback onTrainBegin(Consumer<Logs> f) { return new LambdaCallback(epochBegin, epochEnd, batchBegin, batchEnd, f, trainEnd); }

    public LambdaCallback onTrainEnd(Consumer<Logs> f) { return new LambdaCallback(epochBegin, epochEnd, batchBegin, batchEnd, trainBegin, f); }

    @Override
    public void onEpochBegin(int epoch, Logs logs) { if (epochBegin != null) epochBegin.accept(epoch, logs); }

    @Override
    public void onEpochEnd(int epoch, Logs logs) { if (epochEnd != null) epochEnd.accept(epoch, logs); }

    @Override
    public void onTrainBatchBegin(int batch, Logs logs) { if (batchBegin != null) batchBegin.accept(batch, logs); }

    @Override
    public void onTrainBatchEnd(int batch, Logs logs) { if (batchEnd != null) batchEnd.accept(batch, logs); }

    @Override
    public void onTrainBegin(Logs logs) { if (trainBegin != null) trainBegin.accept(logs); }

    @Override
    public void onTrainEnd(Logs logs) { if (trainEnd != null) trainEnd.accept(logs); }
}
