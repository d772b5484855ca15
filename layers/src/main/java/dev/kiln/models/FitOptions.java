package dev.kiln.models;

import dev.kiln.data.Dataset;
import java.util.Map;

/**
 * The options of {@link Model#fit}, with Keras's defaults: {@code FitOptions.epochs(10).withValidationSplit(0.2)}.
 *
 * @param epochs          the epoch to stop after (counted from 1, as Keras's {@code epochs})
 * @param batchSize       samples per step (32)
 * @param validationSplit the fraction of samples held out for validation: the last ones, taken before shuffling (0)
 * @param validationData  a separate validation set, used instead of the split (null)
 * @param shuffle         shuffle the training samples at each epoch, with Kiln's seed (true)
 * @param classWeight     a weight per class index multiplying each sample's loss (null: none)
 * @param initialEpoch    the epoch to start from, when resuming (0)
 * @param stepsPerEpoch   batches per epoch, 0 for all of them (0)
 * @param validationFreq  validate every this many epochs (1)
 * @param verbose         0 silent, 1 progress bar, 2 one line per epoch (1)
 */
public record FitOptions(int epochs, int batchSize, double validationSplit, Dataset validationData, boolean shuffle,
                         Map<Integer, Double> classWeight, int initialEpoch, int stepsPerEpoch, int validationFreq, int verbose) {

    public FitOptions {
        if (epochs <= 0) throw new IllegalArgumentException("epochs must be positive. Received: epochs=" + epochs);
        if (batchSize <= 0) throw new IllegalArgumentException("batchSize must be positive. Received: batchSize=" + batchSize);
        if (validationSplit < 0 || validationSplit >= 1) {
            throw new IllegalArgumentException("validationSplit must be in [0, 1). Received: validationSplit=" + validationSplit);
        }
        if (initialEpoch < 0 || initialEpoch >= epochs) {
            throw new IllegalArgumentException("initialEpoch must be in [0, epochs). Received: initialEpoch=" + initialEpoch + ", epochs=" + epochs);
        }
        if (stepsPerEpoch < 0) throw new IllegalArgumentException("stepsPerEpoch must be >= 0. Received: stepsPerEpoch=" + stepsPerEpoch);
        if (validationFreq <= 0) throw new IllegalArgumentException("validationFreq must be positive. Received: validationFreq=" + validationFreq);
        if (verbose < 0 || verbose > 2) throw new IllegalArgumentException("verbose must be 0, 1 or 2. Received: verbose=" + verbose);
        classWeight = classWeight == null ? null : Map.copyOf(classWeight);
    }

    /** Keras's defaults for the given number of epochs. */
    public static FitOptions epochs(int epochs) { return new FitOptions(epochs, 32, 0, null, true, null, 0, 0, 1, 1); }

    public FitOptions withEpochs(int e) { return new FitOptions(e, batchSize, validationSplit, validationData, shuffle, classWeight, initialEpoch, stepsPerEpoch, validationFreq, verbose); }

    public FitOptions withBatchSize(int b) { return new FitOptions(epochs, b, validationSplit, validationData, shuffle, classWeight, initialEpoch, stepsPerEpoch, validationFreq, verbose); }

    public FitOptions withValidationSplit(double s) { return new FitOptions(epochs, batchSize, s, validationData, shuffle, classWeight, initialEpoch, stepsPerEpoch, validationFreq, verbose); }

    public FitOptions withValidationData(Dataset d) { return new FitOptions(epochs, batchSize, validationSplit, d, shuffle, classWeight, initialEpoch, stepsPerEpoch, validationFreq, verbose); }

    public FitOptions withShuffle(boolean s) { return new FitOptions(epochs, batchSize, validationSplit, validationData, s, classWeight, initialEpoch, stepsPerEpoch, validationFreq, verbose); }

    public FitOptions withClassWeight(Map<Integer, Double> w) { return new FitOptions(epochs, batchSize, validationSplit, validationData, shuffle, w, initialEpoch, stepsPerEpoch, validationFreq, verbose); }

    public FitOptions withInitialEpoch(int e) { return new FitOptions(epochs, batchSize, validationSplit, validationData, shuffle, classWeight, e, stepsPerEpoch, validationFreq, verbose); }

    public FitOptions withStepsPerEpoch(int s) { return new FitOptions(epochs, batchSize, validationSplit, validationData, shuffle, classWeight, initialEpoch, s, validationFreq, verbose); }

    public FitOptions withValidationFreq(int f) { return new FitOptions(epochs, batchSize, validationSplit, validationData, shuffle, classWeight, initialEpoch, stepsPerEpoch, f, verbose); }

    public FitOptions withVerbose(int v) { return new FitOptions(epochs, batchSize, validationSplit, validationData, shuffle, classWeight, initialEpoch, stepsPerEpoch, validationFreq, v); }
}
