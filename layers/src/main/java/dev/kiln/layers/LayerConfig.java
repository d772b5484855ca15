package dev.kiln.layers;

/**
 * A layer's configuration: one record per layer class, holding every constructor argument (Keras's
 * {@code get_config()}). Each layer has a public constructor taking its record, so {@code new Dense(config)}
 * rebuilds an equal layer; saving writes the record's components and loading reads them back.
 */
public interface LayerConfig {}
