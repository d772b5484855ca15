package dev.kiln.callbacks;

/**
 * What a callback knows about the run: Keras's {@code params} ({@code epochs}, {@code steps} per epoch,
 * {@code verbose}), plus the batch size and the number of training samples.
 */
public record TrainingParams(int epochs, int steps, int verbose, int batchSize, long samples) {}
