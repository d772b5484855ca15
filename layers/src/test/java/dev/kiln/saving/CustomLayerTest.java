package dev.kiln.saving;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.kiln.core.Initializer;
import dev.kiln.core.Shape;
import dev.kiln.core.Tensor;
import dev.kiln.layers.Dense;
import dev.kiln.layers.Layer;
import dev.kiln.layers.LayerConfig;
import dev.kiln.layers.LayerTesting;
import dev.kiln.layers.Regularizer;
import dev.kiln.layers.Weight;
import dev.kiln.models.Input;
import dev.kiln.models.Model;
import dev.kiln.models.Sequential;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Custom layers load once registered by name; an unregistered one gets an error that says how to register it. */
class CustomLayerTest extends LayerTesting {

    @TempDir
    Path dir;

    /** outputs = inputs · gamma · factor, gamma [C] per feature: a user's layer with a config of every kind of value. */
    public static final class Scale extends Layer {
        public record Config(double factor, Initializer gammaInitializer, Regularizer gammaRegularizer, List<Integer> tags, Long seed,
                             boolean enabled) implements LayerConfig {}

        private final Config config;
        private Tensor gamma;

        public Scale(Config config) { this.config = config; }

        @Override
        protected void build(Shape inputShape) {
            gamma = addWeight("gamma", Shape.of(inputShape.last()), config.gammaInitializer(), config.gammaRegularizer(), null);
        }

        @Override
        protected Tensor call(Tensor inputs, boolean training) { return inputs.mul(gamma).mul(config.factor()); }

        @Override
        public Shape outputShape(Shape inputShape) { return inputShape; }

        @Override
        public Config config() { return config; }
    }

    /** outputs = inputs + inner(inputs): a wrapper whose config holds a layer. */
    public static final class Residual extends Layer {
        public record Config(Layer inner) implements LayerConfig {}

        private final Config config;
        private final Layer inner;

        public Residual(Config config) {
            this.config = config;
            this.inner = config.inner();
        }

        @Override
        protected void build(Shape inputShape) { inner.maybeBuild(inputShape); }

        @Override
        protected Tensor call(Tensor inputs, boolean training) { return inputs.add(inner.apply(inputs, training)); }

        @Override
        public Shape outputShape(Shape inputShape) { return inputShape; }

        @Override
        public Config config() { return config; }
    }

    /** Never registered. */
    public static final class Unregistered extends Layer {
        public record Config() implements LayerConfig {}

        public Unregistered(Config config) {}

        @Override
        protected Tensor call(Tensor inputs, boolean training) { return inputs; }

        @Override
        public Shape outputShape(Shape inputShape) { return inputShape; }

        @Override
        public Config config() { return new Config(); }
    }

    @Test
    void registeredLayersRoundTrip() {
        LayerRegistry.register("Scale", Scale.class);
        LayerRegistry.register(Residual.class);
        var scale = new Scale(new Scale.Config(Double.NaN, Initializer.randomNormal(), Regularizer.l1l2(0.1, 0.2), List.of(3, 1), null, true));
        var model = new Sequential(Input.of(4), new Scale(new Scale.Config(-2.5, new Initializer.RandomUniform(0.5, 1.5), null,
                List.of(), 42L, false)), new Residual(new Residual.Config(new Dense(4))));
        Path path = dir.resolve("custom.kiln");
        model.save(path);
        Model loaded = Model.load(path);
        assertEquals(model.toJson(), loaded.toJson());
        assertEquals(List.of("scale_1/gamma", "residual/dense/kernel", "residual/dense/bias"),
                loaded.namedWeights().stream().map(Weight::path).toList());
        var x = Tensor.uniform(Shape.of(3, 4), -1, 1, model.dtype());
        assertArrayEquals(model.predict(x).toDoubleArray(), loaded.predict(x).toDoubleArray(), 0.0);

        var copy = (Scale) Serialization.deserialize(Serialization.serialize(scale));
        assertEquals(scale.name(), copy.name());
        assertEquals(Double.NaN, copy.config().factor(), 0.0);
        assertEquals(scale.config().gammaRegularizer(), copy.config().gammaRegularizer());
        assertEquals(List.of(3, 1), copy.config().tags());
    }

    @Test
    void anUnregisteredLayerSaysHowToRegisterIt() {
        var model = new Sequential(Input.of(2), new Unregistered(new Unregistered.Config()), new Dense(1));
        Path path = dir.resolve("unregistered.kiln");
        model.save(path);
        var e = assertThrows(ModelFileException.class, () -> Model.load(path));
        assertMessageContains(e, path.toString(), "Unknown layer class 'Unregistered'",
                "LayerRegistry.register(\"Unregistered\", Unregistered.class)");
    }

    @Test
    void registrationChecksTheNameAndTheConstructor() {
        assertMessageContains(assertThrows(IllegalArgumentException.class, () -> LayerRegistry.register("Dense", Scale.class)),
                "'Dense' is Kiln's dev.kiln.layers.Dense");
        LayerRegistry.register("Scale", Scale.class);
        assertMessageContains(assertThrows(IllegalArgumentException.class, () -> LayerRegistry.register("Scale", Residual.class)),
                "'Scale' is already registered for " + Scale.class.getName());
        assertMessageContains(assertThrows(IllegalArgumentException.class, () -> LayerRegistry.register("Odd", Odd.class)),
                "needs a public constructor Odd(Odd.Config)");
        assertEquals(Dense.class, LayerRegistry.lookup("Dense"));
    }

    /** A layer without a config constructor cannot be registered. */
    public static final class Odd extends Layer {
        public Odd() {}

        @Override
        public LayerConfig config() { return null; }
    }
}
