package dev.kiln.layers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.kiln.core.DType;
import dev.kiln.core.GradientCheck;
import dev.kiln.core.Kiln;
import dev.kiln.core.Shape;
import dev.kiln.core.Tensor;
import dev.kiln.models.Input;
import dev.kiln.models.Model;
import java.util.List;
import org.junit.jupiter.api.Test;

class LayerBaseTest extends LayerTesting {

    /** A composite layer as issue 7's attention blocks will be: sublayers in fields, built in build(). */
    static final class Block extends Layer {
        record Config(int units) implements LayerConfig {}

        private final Dense inner = new Dense(new Dense.Config(4, Activation.TANH).withRegularizers(null, null, Regularizer.l2(1)));
        private final List<Layer> rest = List.of(new LayerNormalization(), new Dense(2));

        @Override
        protected void build(Shape inputShape) {
            inner.maybeBuild(inputShape);
            rest.get(0).maybeBuild(inner.outputShape(inputShape));
            rest.get(1).maybeBuild(inner.outputShape(inputShape));
        }

        @Override
        protected Tensor call(Tensor inputs, boolean training) {
            return rest.get(1).apply(rest.get(0).apply(inner.apply(inputs, training), training), training);
        }

        @Override
        public Shape outputShape(Shape inputShape) { return inputShape.withLast(2); }

        @Override
        public LayerConfig config() { return new Config(2); }
    }

    /** A layer with two outputs, as a recurrent layer returning its state. */
    static final class Split extends Layer {
        record Config() implements LayerConfig {}

        @Override
        protected List<Tensor> call(List<Tensor> inputs, List<Tensor> masks, boolean training) {
            Tensor x = inputs.get(0);
            long half = x.size(-1) / 2;
            return List.of(x.slice(-1, 0, half), x.slice(-1, half, 2 * half));
        }

        @Override
        public List<Shape> outputShapes(List<Shape> shapes) {
            Shape half = shapes.get(0).withLast(shapes.get(0).last() / 2);
            return List.of(half, half);
        }

        @Override
        public LayerConfig config() { return new Config(); }
    }

    @Test
    void namesAreKerasSnakeCaseCountedPerName() {
        assertEquals("global_max_pooling1d", Layer.snakeCase("GlobalMaxPooling1D"));
        assertEquals("conv1d", Layer.snakeCase("Conv1D"));
        assertEquals("spatial_dropout1d", Layer.snakeCase("SpatialDropout1D"));
        assertEquals("batch_normalization", Layer.snakeCase("BatchNormalization"));
        assertEquals("input_layer", Layer.snakeCase("InputLayer"));
        assertEquals(List.of("dense", "dense_1", "conv1d", "dense_2"),
                List.of(new Dense(1).name(), new Dense(1).name(), new Conv1D(1, 1).name(), new Dense(1).name()));
        Layer.resetNames();
        assertEquals("dense", new Dense(1).name());
        assertEquals("out", new Dense(1).<Dense>named("out").name());
        assertMessageContains(assertThrows(IllegalArgumentException.class, () -> new Dense(1).named("a/b")), "'a/b'");
        var built = new Dense(1);
        built.apply(GradientCheck.random(1, 2));
        assertThrows(IllegalStateException.class, () -> built.named("late"));
    }

    @Test
    void sublayersInFieldsAreTrackedWithNestedPaths() {
        var block = new Block();
        var x = GradientCheck.random(2, 3);
        block.apply(x);
        assertEquals(List.of("block/dense/kernel", "block/dense/bias", "block/layer_normalization/gamma", "block/layer_normalization/beta",
                "block/dense_1/kernel", "block/dense_1/bias"), block.namedWeights().stream().map(Weight::path).toList());
        assertEquals(3 * 4 + 4 + 4 + 4 + 4 * 2 + 2, block.countParams());
        checkGradients(block, x);
        block.apply(x, true);
        assertEquals(1, block.losses().size(), "the inner Dense's activity loss is the block's");
        block.setTrainable(false);
        assertEquals(0, block.trainableWeights().size());
        assertFalse(block.rest.get(1).trainable());
        var in = Input.of(3);
        var model = new Model(in, block.apply(in));
        assertEquals(6, model.nonTrainableWeights().size());
    }

    @Test
    void multiOutputLayersInTheGraph() {
        var in = Input.of(4);
        var split = new Split();
        List<SymbolicTensor> halves = split.apply(List.of(in));
        assertEquals(2, halves.size());
        assertEquals(Shape.of(Shape.UNKNOWN, 2), halves.get(1).shape());
        assertMessageContains(assertThrows(IllegalStateException.class, () -> split.apply(in)), "has 2 outputs");
        var model = new Model(in, List.of(new Dense(1).apply(halves.get(0)), halves.get(1)));
        var x = tensor(new double[] {1, 2, 3, 4}, 1, 4);
        List<Tensor> outputs = model.predict(List.of(x));
        assertValues(new double[] {3, 4}, outputs.get(1), 0);
        assertEquals(Shape.of(1, 1), outputs.get(0).shape());
        assertMessageContains(assertThrows(IllegalStateException.class, () -> model.predict(x)), "has 2 outputs");
        assertEquals(1, halves.get(1).index());
        assertSame(split, halves.get(0).layer());
    }

    @Test
    void weightsAndErrorsOfTheBase() {
        var dense = new Dense(2);
        assertMessageContains(assertThrows(IllegalStateException.class, dense::countParams), "Dense 'dense' is not built");
        dense.maybeBuild(Shape.of(Shape.UNKNOWN, 3));
        assertMessageContains(assertThrows(IllegalArgumentException.class, () -> dense.setWeights(List.of(GradientCheck.random(3, 2)))),
                "has 2 weights [kernel [3, 2], bias [2]]", "Received 1");
        assertMessageContains(assertThrows(IllegalArgumentException.class,
                () -> dense.setWeights(List.of(GradientCheck.random(2, 2), GradientCheck.random(2)))), "dense/kernel", "[3, 2]", "[2, 2]");
        var unknown = new Dense(2);
        assertMessageContains(assertThrows(IllegalArgumentException.class, () -> unknown.apply(Input.of(Shape.UNKNOWN))),
                "expects a known last (feature) dimension");
    }

    @Test
    void float32WeightsAndOutputs() {
        Kiln.setFloatx(DType.FLOAT32);
        var model = new dev.kiln.models.Sequential(new Conv1D(2, 2, Activation.RELU), new GlobalAveragePooling1D(), new Dense(1));
        Tensor out = model.predict(Tensor.of(new double[24], 2, 4, 3));
        assertEquals(DType.FLOAT32, out.dtype());
        assertEquals(DType.FLOAT32, model.weights().get(0).dtype());
    }
}
