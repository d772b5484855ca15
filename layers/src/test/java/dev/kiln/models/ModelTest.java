package dev.kiln.models;

import static dev.kiln.layers.Activation.RELU;
import static dev.kiln.layers.Activation.SIGMOID;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.core.DType;
import dev.kiln.core.GradientCheck;
import dev.kiln.core.Shape;
import dev.kiln.core.Tensor;
import dev.kiln.layers.Add;
import dev.kiln.layers.Dense;
import dev.kiln.layers.Layer;
import dev.kiln.layers.LayerTesting;
import java.util.List;
import org.junit.jupiter.api.Test;

class ModelTest extends LayerTesting {

    @Test
    void twoInputModelWithASharedLayerAccumulatesItsGradientOncePerUse() {
        var left = Input.of(3);
        var right = Input.of(3);
        var shared = new Dense(2, dev.kiln.layers.Activation.TANH);
        var a = shared.apply(left);
        var b = shared.apply(right);
        var out = new Dense(1).apply(new Add().apply(a, b));
        var model = new Model(List.of(left, right), out);

        assertEquals(List.of("input_layer", "input_layer_1", "dense", "add", "dense_1"),
                model.layers().stream().map(Layer::name).toList(), "the shared Dense is listed once");
        assertEquals(4, model.weights().size(), "the shared kernel and bias appear once");
        var x1 = GradientCheck.random(2, 3);
        var x2 = GradientCheck.random(2, 3);
        GradientCheck.check(in -> model.apply(in.subList(0, 2), true).get(0), allOf(List.of(x1, x2), model.trainableWeights()));

        // The shared kernel's gradient is the sum of its two uses: compare with an unshared copy run on each input.
        Tensor kernel = shared.weights().get(0);
        kernel.zeroGrad();
        model.apply(List.of(x1, x2), true).get(0).sum().backward();
        double[] sharedGrad = kernel.grad().toDoubleArray();
        kernel.zeroGrad();
        var head = model.layers().get(4);
        Tensor viaLeft = head.apply(shared.apply(x1).add(shared.apply(x2).detach()));
        viaLeft.sum().backward();
        double[] leftGrad = kernel.grad().toDoubleArray();
        kernel.zeroGrad();
        head.apply(shared.apply(x1).detach().add(shared.apply(x2))).sum().backward();
        double[] rightGrad = kernel.grad().toDoubleArray();
        for (int i = 0; i < sharedGrad.length; i++) assertEquals(leftGrad[i] + rightGrad[i], sharedGrad[i], 1e-12);
    }

    @Test
    void nestedModelIsALayerSharingItsWeights() {
        var in = Input.of(4);
        var inner = new Model(in, new Dense(3, RELU).apply(in)).named("encoder");
        var outerIn = Input.of(4);
        var outer = new Model(outerIn, new Dense(1, SIGMOID).apply(inner.apply(outerIn)));
        assertEquals(List.of("input_layer_1", "encoder", "dense_1"), outer.layers().stream().map(Layer::name).toList());
        assertEquals(4, outer.trainableWeights().size());
        assertSame(inner.weights().get(0), outer.weights().get(0));
        assertEquals("dense/kernel", outer.namedWeights().get(0).path());
        var x = GradientCheck.random(2, 4);
        assertEquals(Shape.of(2, 1), outer.predict(x).shape());
        GradientCheck.check(args -> outer.apply(args.get(0), true), allOf(List.of(x), outer.trainableWeights()));
        inner.setTrainable(false);
        assertEquals(2, outer.trainableWeights().size());
        assertEquals(2, outer.nonTrainableWeights().size());
    }

    @Test
    void sequentialBuildsOnItsFirstCallOrAtOnceWithAnInput() {
        var lazy = new Sequential(new Dense(3, RELU), new Dense(2));
        assertTrue(!lazy.built());
        var x = GradientCheck.random(5, 4);
        assertEquals(Shape.of(5, 2), lazy.apply(x).shape());
        assertEquals(Shape.of(Shape.UNKNOWN, 4), lazy.inputs().get(0).shape());
        assertEquals(List.of("dense", "dense_1"), lazy.layers().stream().map(Layer::name).toList());
        assertEquals(4 * 3 + 3 + 3 * 2 + 2, lazy.countParams());

        var early = new Sequential(Input.of(4), new Dense(3));
        assertTrue(early.built());
        early.add(new Dense(1));
        assertEquals(Shape.of(Shape.UNKNOWN, 1), early.outputs().get(0).shape());
        var e = assertThrows(IllegalArgumentException.class, () -> early.apply(GradientCheck.random(2, 5)));
        assertMessageContains(e, "Sequential 'sequential_1' expects input 0 of shape [None, 4]", "Received: [2, 5]");
        assertEquals(1, early.pop().config() instanceof Dense.Config c ? c.units() : -1);
        assertEquals(Shape.of(Shape.UNKNOWN, 3), early.outputs().get(0).shape());
    }

    @Test
    void inputsAreCastToTheirInputDtype() {
        var in = Input.of(2);
        var model = new Model(in, new Dense(1).apply(in));
        var floatData = Tensor.of(new float[] {1, 2}, 1, 2);
        assertEquals(DType.FLOAT64, model.predict(floatData).dtype());
    }

    @Test
    void graphDisconnectedAndDuplicateNamesAreReported() {
        var a = Input.of(2);
        var b = Input.of(2);
        var out = new Add().apply(a, b);
        var e = assertThrows(IllegalArgumentException.class, () -> new Model(a, out));
        assertMessageContains(e, "Graph disconnected", "input_layer_1");
        var x = Input.of(2);
        var y = new Dense(1).named("same").apply(new Dense(2).named("same").apply(x));
        assertMessageContains(assertThrows(IllegalArgumentException.class, () -> new Model(x, y)), "unique", "'same'");
    }

    @Test
    void configsRebuildTheSameGraph() {
        var in = Input.of(3);
        var model = new Model(in, new Dense(2).apply(in));
        var again = new Model((Model.Config) model.config());
        assertEquals(model.config(), again.config());
        assertEquals(model.layers(), again.layers());
        var sequential = new Sequential(Input.of(DType.INT32, 5), new dev.kiln.layers.Embedding(4, 2), new Dense(1));
        var rebuilt = new Sequential(sequential.config());
        assertEquals(sequential.config().layers(), rebuilt.config().layers());
        assertEquals(sequential.config().input(), rebuilt.config().input());
        assertEquals(new dev.kiln.layers.InputLayer.Config(Shape.of(Shape.UNKNOWN, 5), DType.INT32), rebuilt.config().input());
        assertEquals(List.of("embedding/embeddings", "dense_1/kernel", "dense_1/bias"),
                rebuilt.namedWeights().stream().map(dev.kiln.layers.Weight::path).toList());
    }

    @Test
    void lazilyBuiltSequentialKeepsPlainWeightPaths() {
        var model = new Sequential(new Dense(2), new Dense(1));
        model.predict(GradientCheck.random(1, 3));
        assertEquals(List.of("dense/kernel", "dense/bias", "dense_1/kernel", "dense_1/bias"),
                model.namedWeights().stream().map(dev.kiln.layers.Weight::path).toList());
        assertEquals("sequential", model.name());
        assertEquals("Sequential", model.kerasClassName());
        var identity = Input.of(1);
        assertEquals("Functional", new Model(identity, identity).kerasClassName());
    }

    @Test
    void gradientDescentOnASharedLayerUpdatesItOncePerStepAndLearns() {
        var left = Input.of(2);
        var right = Input.of(2);
        var shared = new Dense(3, dev.kiln.layers.Activation.TANH);
        var out = new Dense(1).apply(new dev.kiln.layers.Concatenate().apply(shared.apply(left), shared.apply(right)));
        var model = new Model(List.of(left, right), out);
        assertEquals(4, model.trainableWeights().size(), "each weight once, so an optimizer steps it once");
        var a = GradientCheck.random(8, 2).detach();
        var b = GradientCheck.random(8, 2).detach();
        Tensor target = a.sum(true, 1).sub(b.sum(true, 1));          // y = Σa − Σb: needs the shared layer on both sides
        double first = 0;
        double last = 0;
        for (int step = 0; step < 200; step++) {
            for (Tensor w : model.trainableWeights()) w.zeroGrad();
            Tensor loss = model.apply(List.of(a, b), true).get(0).sub(target).square().mean();
            loss.backward();
            try (var ignored = Tensor.noGrad()) {
                for (Tensor w : model.trainableWeights()) w.assign(w.sub(w.grad().mul(0.2)));
            }
            if (step == 0) first = loss.item();
            last = loss.item();
        }
        assertTrue(last < first / 10, "loss " + first + " → " + last);
    }

    private static Tensor[] allOf(List<Tensor> inputs, List<Tensor> weights) {
        var all = new java.util.ArrayList<>(inputs);
        all.addAll(weights);
        return all.toArray(Tensor[]::new);
    }
}
