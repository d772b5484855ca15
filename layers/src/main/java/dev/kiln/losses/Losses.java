package dev.kiln.losses;

import java.util.Map;
import java.util.TreeMap;
import java.util.function.Supplier;

/** The built-in losses with Keras's defaults, and lookup by Keras name ({@code "binary_crossentropy"}, {@code "mse"}). */
public final class Losses {

    private static final Map<String, Supplier<Loss>> BY_NAME = new TreeMap<>();

    static {
        register(BinaryCrossentropy::new, "binary_crossentropy", "BinaryCrossentropy", "bce", "BCE");
        register(CategoricalCrossentropy::new, "categorical_crossentropy", "CategoricalCrossentropy");
        register(SparseCategoricalCrossentropy::new, "sparse_categorical_crossentropy", "SparseCategoricalCrossentropy");
        register(MeanSquaredError::new, "mean_squared_error", "MeanSquaredError", "mse", "MSE");
        register(MeanAbsoluteError::new, "mean_absolute_error", "MeanAbsoluteError", "mae", "MAE");
        register(Huber::new, "huber", "huber_loss", "Huber");
        register(Hinge::new, "hinge", "Hinge");
    }

    private Losses() {}

    private static void register(Supplier<Loss> factory, String... names) {
        for (String name : names) BY_NAME.put(name, factory);
    }

    public static BinaryCrossentropy binaryCrossentropy() { return new BinaryCrossentropy(); }

    public static BinaryCrossentropy binaryCrossentropy(boolean fromLogits) { return new BinaryCrossentropy(fromLogits); }

    public static CategoricalCrossentropy categoricalCrossentropy() { return new CategoricalCrossentropy(); }

    public static CategoricalCrossentropy categoricalCrossentropy(boolean fromLogits) { return new CategoricalCrossentropy(fromLogits); }

    public static SparseCategoricalCrossentropy sparseCategoricalCrossentropy() { return new SparseCategoricalCrossentropy(); }

    public static SparseCategoricalCrossentropy sparseCategoricalCrossentropy(boolean fromLogits) {
        return new SparseCategoricalCrossentropy(fromLogits);
    }

    public static MeanSquaredError meanSquaredError() { return new MeanSquaredError(); }

    public static MeanAbsoluteError meanAbsoluteError() { return new MeanAbsoluteError(); }

    public static Huber huber() { return new Huber(); }

    public static Huber huber(double delta) { return new Huber(delta); }

    public static Hinge hinge() { return new Hinge(); }

    /**
     * The loss Keras's {@code losses.get(name)} gives, with default arguments: function names
     * ("binary_crossentropy"), class names ("BinaryCrossentropy") and the aliases "bce", "mse", "mae".
     */
    public static Loss byName(String name) {
        Supplier<Loss> factory = BY_NAME.get(name);
        if (factory == null) {
            throw new IllegalArgumentException("Unknown loss '" + name + "'. Valid names: " + String.join(", ", BY_NAME.keySet()));
        }
        return factory.get();
    }
}
