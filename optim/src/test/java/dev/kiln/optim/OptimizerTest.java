package dev.kiln.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.core.DType;
import dev.kiln.core.MemoryScope;
import dev.kiln.core.Tensor;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What the base class owns: clipping, weight decay, skipped parameters, iterations and the learning rate. */
class OptimizerTest {

    private static Tensor parameter(double... values) { return Tensor.of(values, values.length).requiringGrad(); }

    @Test
    void clipnormScalesEachGradientToItsOwnNorm() {
        var large = parameter(0, 0);
        var small = parameter(0, 0);
        var sgd = new SGD(SGD.Config.defaults().withLearningRate(1.0).withClipnorm(1.0));
        Quadratic.setGradient(large, new double[] {100, 100});
        Quadratic.setGradient(small, new double[] {0.3, 0.4});
        sgd.apply(List.of(large, small));
        double half = Math.sqrt(2) / 2;
        assertArrayEquals(new double[] {-half, -half}, large.toDoubleArray(), 1e-12);
        assertArrayEquals(new double[] {-0.3, -0.4}, small.toDoubleArray(), 1e-12, "a gradient within the norm is left alone");
    }

    @Test
    void clipvalueClipsEachElement() {
        var w = parameter(0, 0, 0, 0);
        var sgd = new SGD(SGD.Config.defaults().withLearningRate(1.0).withClipvalue(1.0));
        Quadratic.setGradient(w, new double[] {100, -100, 0.5, -1.5});
        sgd.apply(List.of(w));
        assertArrayEquals(new double[] {-1, 1, -0.5, 1}, w.toDoubleArray(), 1e-12);
    }

    @Test
    void globalClipnormScalesAllGradientsTogether() {
        var a = parameter(0, 0);
        var b = parameter(0, 0);
        var sgd = new SGD(SGD.Config.defaults().withLearningRate(1.0).withGlobalClipnorm(2.5));
        Quadratic.setGradient(a, new double[] {3, 0});
        Quadratic.setGradient(b, new double[] {0, 4});                // global norm 5: every gradient × 0.5
        sgd.apply(List.of(a, b));
        assertArrayEquals(new double[] {-1.5, 0}, a.toDoubleArray(), 1e-12);
        assertArrayEquals(new double[] {0, -2}, b.toDoubleArray(), 1e-12);

        Quadratic.setGradient(a, new double[] {0.3, 0});
        Quadratic.setGradient(b, new double[] {0, 0.4});              // global norm 0.5: unchanged
        sgd.apply(List.of(a, b));
        assertArrayEquals(new double[] {-1.8, 0}, a.toDoubleArray(), 1e-12);
        assertArrayEquals(new double[] {0, -2.4}, b.toDoubleArray(), 1e-12);
    }

    @Test
    void aNonFiniteGlobalNormMakesEveryUpdateNaN() {
        var a = parameter(0, 0);
        var b = parameter(0, 0);
        var sgd = new SGD(SGD.Config.defaults().withGlobalClipnorm(1.0));
        Quadratic.setGradient(a, new double[] {Double.POSITIVE_INFINITY, 0});
        Quadratic.setGradient(b, new double[] {1, 1});
        sgd.apply(List.of(a, b));
        for (double x : b.toDoubleArray()) assertTrue(Double.isNaN(x), "expected NaN, got " + x);
    }

    @Test
    void weightDecayUsesTheScheduledLearningRateOnEveryOptimizer() {
        // Keras's test_weight_decay: w = 2, lr 1, weightDecay 0.004, zero gradient, three updates: 2·0.996³.
        for (Optimizer optimizer : List.of(new SGD(SGD.Config.defaults().withLearningRate(1.0).withWeightDecay(0.004)),
                new Adam(Adam.Config.defaults().withLearningRate(1.0).withWeightDecay(0.004)),
                new RMSprop(RMSprop.Config.defaults().withLearningRate(1.0).withWeightDecay(0.004)),
                new Adagrad(Adagrad.Config.defaults().withLearningRate(1.0).withWeightDecay(0.004)),
                new Nadam(Nadam.Config.defaults().withLearningRate(1.0).withWeightDecay(0.004)))) {
            var w = parameter(2.0);
            for (int step = 0; step < 3; step++) {
                Quadratic.setGradient(w, new double[] {0});
                optimizer.apply(List.of(w));
            }
            assertEquals(1.9760959, w.toDoubleArray()[0], 1e-7, optimizer.name());
        }
        var schedule = new LearningRateSchedule.PiecewiseConstantDecay(List.of(0L), List.of(0.5, 0.25));
        var w = parameter(1.0);
        var sgd = new SGD(SGD.Config.defaults().withLearningRate(schedule).withWeightDecay(0.1));
        for (int step = 0; step < 2; step++) {
            Quadratic.setGradient(w, new double[] {0});
            sgd.apply(List.of(w));
        }
        assertEquals((1 - 0.5 * 0.1) * (1 - 0.25 * 0.1), w.toDoubleArray()[0], 1e-15);
    }

    @Test
    void parametersWithoutGradientsAreSkippedButGetSlots() {
        var used = parameter(1, 2);
        var unused = parameter(3, 4);
        var sgd = new SGD(SGD.Config.defaults().withLearningRate(0.5).withMomentum(0.5));
        unused.zeroGrad();
        Quadratic.setGradient(used, new double[] {1, 1});
        sgd.apply(List.of(used, unused));
        assertArrayEquals(new double[] {0.5, 1.5}, used.toDoubleArray(), 1e-12);
        assertArrayEquals(new double[] {3, 4}, unused.toDoubleArray(), 0.0);
        assertEquals(2, sgd.state().slots().size());
        assertEquals(1, sgd.iterations());
    }

    @Test
    void noGradientAtAllIsAnError() {
        var w = parameter(1, 2);
        var adam = new Adam();
        var error = assertThrows(IllegalStateException.class, () -> adam.apply(List.of(w)));
        assertTrue(error.getMessage().contains("No gradients provided for any of the 1 parameters"), error.getMessage());
        adam.apply(List.of());
        assertEquals(0, adam.iterations(), "an empty list is not a step");
    }

    @Test
    void theScheduleIsReadAtTheIterationCount() {
        var schedule = new LearningRateSchedule.PiecewiseConstantDecay(List.of(0L, 1L), List.of(0.1, 0.2, 0.4));
        var sgd = new SGD(schedule);
        var w = parameter(0);
        double expected = 0;
        for (double lr : new double[] {0.1, 0.2, 0.4, 0.4}) {
            assertEquals(lr, sgd.learningRate(), 0.0);
            Quadratic.setGradient(w, new double[] {1});
            sgd.apply(List.of(w));
            expected -= lr;
            assertEquals(expected, w.toDoubleArray()[0], 1e-15);
        }
        assertEquals(4, sgd.iterations());
    }

    @Test
    void setLearningRateReplacesTheSchedule() {
        var adam = new Adam(new LearningRateSchedule.ExponentialDecay(0.1, 10, 0.5));
        var problem = new Quadratic();
        problem.step(adam);
        adam.setLearningRate(0.05);
        assertEquals(0.05, adam.learningRate(), 0.0);
        assertEquals(LearningRateSchedule.constant(0.05), adam.config().learningRate());
        assertEquals(0.9, adam.config().beta1(), 0.0, "the other hyper-parameters stay");
        var error = assertThrows(IllegalArgumentException.class, () -> adam.setLearningRate(-1e-3));
        assertTrue(error.getMessage().contains("learningRate=-0.001"), error.getMessage());
    }

    /** Slots are long-lived: an update inside a step's memory scope must not hand them to the scope. */
    @Test
    void slotsSurviveTheStepsMemoryScope() {
        var problem = new Quadratic();
        var adam = new Adam(0.1);
        for (int step = 0; step < 3; step++) {
            try (var scope = MemoryScope.open()) {
                problem.step(adam);
            }
        }
        assertEquals(3, adam.iterations());
        assertEquals(4, adam.state().slots().get(0).get("momentum").values().length);
    }

    @Test
    void configRoundTripsThroughCreate() {
        var configs = List.<OptimizerConfig<?>>of(
                SGD.Config.defaults().withMomentum(0.9).withNesterov(true).withClipnorm(1.0),
                Adam.Config.defaults().withAmsgrad(true).withLearningRate(new LearningRateSchedule.CosineDecay(0.1, 100, 0.1)),
                AdamW.Config.defaults().withGlobalClipnorm(2.0),
                RMSprop.Config.defaults().withCentered(true).withMomentum(0.5).withClipvalue(0.5),
                Adagrad.Config.defaults().withInitialAccumulatorValue(0.2),
                Nadam.Config.defaults().withWeightDecay(0.01));
        for (OptimizerConfig<?> config : configs) {
            Optimizer optimizer = config.create();
            assertEquals(config, optimizer.config());
            assertEquals(config.name(), optimizer.name());
            assertSame(config.getClass(), optimizer.config().getClass());
        }
    }
}
