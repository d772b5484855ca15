package dev.kiln.optim;

import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;
import java.util.function.Supplier;

/** Optimizers by their Keras names, as {@code keras.optimizers.get}: what {@code compile("adam", ...)} uses. */
public final class Optimizers {

    private static final Map<String, Supplier<Optimizer>> BY_NAME = Map.of(
            "sgd", SGD::new,
            "adam", Adam::new,
            "adamw", AdamW::new,
            "rmsprop", RMSprop::new,
            "adagrad", Adagrad::new,
            "nadam", Nadam::new);

    private Optimizers() {}

    /** A new optimizer with Keras's defaults: "sgd", "adam", "adamw", "rmsprop", "adagrad" or "nadam" (any case). */
    public static Optimizer byName(String name) {
        Supplier<Optimizer> factory = BY_NAME.get(name.toLowerCase(Locale.ROOT));
        if (factory == null) {
            throw new IllegalArgumentException("Unknown optimizer '" + name + "'. Expected one of " + new TreeSet<>(BY_NAME.keySet()));
        }
        return factory.get();
    }
}
