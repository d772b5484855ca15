package dev.kiln.saving;

import dev.kiln.layers.ActivationLayer;
import dev.kiln.layers.Layer;
import dev.kiln.layers.LayerConfig;
import dev.kiln.models.Model;
import dev.kiln.models.Sequential;
import java.lang.reflect.Constructor;
import java.lang.reflect.Modifier;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The layer classes a saved config can name, by their Keras class name (what {@link Layer#kerasClassName()} returns
 * and {@code config.json} writes as {@code "class_name"}), as Keras's {@code register_keras_serializable}.
 *
 * <p>Kiln's own layers are found without registration: "Functional", "Sequential", "Activation", and every class
 * {@code dev.kiln.layers.X} that is a Layer for the name "X". A custom layer registers itself once, before its
 * model is loaded:
 *
 * <pre>{@code
 * LayerRegistry.register("Scale", Scale.class);   // Scale has a public constructor Scale(Scale.Config)
 * }</pre>
 *
 * <p>A layer is rebuilt by calling its constructor that takes its config record (the type {@link Layer#config()}
 * returns), so a registered class must have one.
 */
public final class LayerRegistry {

    private static final String BUILT_IN_PACKAGE = "dev.kiln.layers.";
    private static final Map<String, Class<? extends Layer>> REGISTERED = new ConcurrentHashMap<>(Map.of(
            "Functional", Model.class,
            "Sequential", Sequential.class,
            "Activation", ActivationLayer.class));

    private LayerRegistry() {}

    /**
     * Makes {@code type} loadable under {@code className}. Registering the same class again is a no-op; another
     * class under a taken name is an error.
     */
    public static void register(String className, Class<? extends Layer> type) {
        if (className == null || className.isBlank()) throw new IllegalArgumentException("A layer class name must not be blank. Received: '" + className + "'");
        configConstructor(type);
        Class<? extends Layer> builtIn = builtIn(className);
        if (builtIn != null && builtIn != type) {
            throw new IllegalArgumentException("The layer class name '" + className + "' is Kiln's " + builtIn.getName()
                    + "; register " + type.getName() + " under another name and return it from kerasClassName()");
        }
        Class<? extends Layer> previous = REGISTERED.putIfAbsent(className, type);
        if (previous != null && previous != type) {
            throw new IllegalArgumentException("The layer class name '" + className + "' is already registered for " + previous.getName()
                    + ". Received: " + type.getName());
        }
    }

    /** Registers {@code type} under its simple name, which is what {@link Layer#kerasClassName()} returns by default. */
    public static void register(Class<? extends Layer> type) { register(type.getSimpleName(), type); }

    /** The class registered (or built in) for {@code className}; a clear error says how to register an unknown one. */
    public static Class<? extends Layer> lookup(String className) {
        Class<? extends Layer> type = REGISTERED.get(className);
        if (type == null) type = builtIn(className);
        if (type == null) {
            throw new ModelFileException("Unknown layer class '" + className + "'. A custom layer must be registered before its model"
                    + " is loaded: LayerRegistry.register(\"" + className + "\", " + className + ".class). Registered: "
                    + new TreeSet<>(REGISTERED.keySet()) + ", and Kiln's layers in dev.kiln.layers");
        }
        return type;
    }

    private static Class<? extends Layer> builtIn(String className) {
        if (!className.matches("[A-Z][A-Za-z0-9]*")) return null;
        try {
            Class<?> type = Class.forName(BUILT_IN_PACKAGE + className, false, LayerRegistry.class.getClassLoader());
            return Layer.class.isAssignableFrom(type) && !Modifier.isAbstract(type.getModifiers()) ? type.asSubclass(Layer.class) : null;
        } catch (ClassNotFoundException e) {
            return null;
        }
    }

    /** The public constructor of {@code type} that takes its config record: how a saved layer is rebuilt. */
    static Constructor<? extends Layer> configConstructor(Class<? extends Layer> type) {
        for (Constructor<?> c : type.getConstructors()) {
            Class<?>[] params = c.getParameterTypes();
            if (params.length == 1 && params[0].isRecord() && LayerConfig.class.isAssignableFrom(params[0])) {
                @SuppressWarnings("unchecked")
                var constructor = (Constructor<? extends Layer>) c;
                return constructor;
            }
        }
        throw new IllegalArgumentException(type.getName() + " cannot be rebuilt from a saved config: it needs a public constructor "
                + type.getSimpleName() + "(" + type.getSimpleName() + ".Config) taking a record that implements LayerConfig");
    }
}
