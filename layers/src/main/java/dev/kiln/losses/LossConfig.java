package dev.kiln.losses;

/**
 * A loss's configuration, Keras's {@code get_config()}: the record each loss keeps its arguments in. Saving writes
 * it; {@link #create()} builds the loss back ({@code from_config}).
 */
public interface LossConfig {

    /** The name the trainer logs the loss under, e.g. "binary_crossentropy". */
    String name();

    Reduction reduction();

    /** The same configuration with another reduction. */
    LossConfig withReduction(Reduction reduction);

    /** A loss with this configuration. */
    Loss create();

    /** Rejects a blank name or a missing reduction; every config's compact constructor calls it. */
    static void validate(String name, Reduction reduction) {
        if (name == null || name.isBlank()) throw new IllegalArgumentException("A loss needs a name. Received: name=" + name);
        if (reduction == null) throw new IllegalArgumentException("A loss needs a reduction. Received: reduction=null");
    }
}
