package dev.kiln.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.core.DType;
import dev.kiln.core.Shape;
import dev.kiln.core.Tensor;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class OptimizerStateTest {

    private static final List<OptimizerConfig<?>> CONFIGS = List.of(
            SGD.Config.defaults().withLearningRate(0.05).withMomentum(0.9).withNesterov(true),
            Adam.Config.defaults().withLearningRate(new LearningRateSchedule.ExponentialDecay(0.1, 2, 0.5)).withAmsgrad(true),
            AdamW.Config.defaults().withLearningRate(0.1).withWeightDecay(0.1),
            RMSprop.Config.defaults().withLearningRate(0.05).withMomentum(0.5).withCentered(true),
            Adagrad.Config.defaults().withLearningRate(0.3),
            Nadam.Config.defaults().withLearningRate(new LearningRateSchedule.CosineDecay(0.0, 10, 0.1, 0.2, 2)));

    /** Two runs from the same start: one straight through, one saved after 3 steps and restored into a new optimizer. */
    @Test
    void aRestoredOptimizerContinuesIdentically() {
        for (DType dtype : List.of(DType.FLOAT64, DType.FLOAT32)) {
            for (OptimizerConfig<?> config : CONFIGS) checkResume(config, dtype);
        }
    }

    private static void checkResume(OptimizerConfig<?> config, DType dtype) {
        var straight = new Quadratic(Quadratic.START, dtype);
        var optimizer = config.create();
        for (int step = 0; step < 7; step++) straight.step(optimizer);

        var first = new Quadratic(Quadratic.START, dtype);
        var saved = config.create();
        for (int step = 0; step < 3; step++) first.step(saved);
        OptimizerState state = saved.state();

        var resumed = new Quadratic(first.values(), dtype);
        var restored = saved.config().create();
        restored.loadState(state, List.of(resumed.w));
        assertEquals(3, restored.iterations());
        assertEquals(saved.learningRate(), restored.learningRate(), 0.0, config.name() + " learning rate");
        for (int step = 0; step < 4; step++) resumed.step(restored);

        assertArrayEquals(straight.values(), resumed.values(), 0.0, config.name() + " " + dtype + " after resuming");
        assertEquals(optimizer.state(), restored.state(), config.name() + " " + dtype + " state after resuming");
    }

    @Test
    void stateHoldsEachSlotWithItsShapeDtypeAndValues() {
        var kernel = Tensor.of(new double[] {1, 2, 3, 4, 5, 6}, 2, 3).requiringGrad();
        var bias = Tensor.of(new double[] {0.5}, 1).requiringGrad();
        var adam = new Adam(0.1);
        Quadratic.setGradient(kernel, new double[] {1, 1, 1, 2, 2, 2});
        Quadratic.setGradient(bias, new double[] {3});
        adam.apply(List.of(kernel, bias));

        OptimizerState state = adam.state();
        assertEquals("adam", state.name());
        assertEquals(1, state.iterations());
        assertEquals(2, state.slots().size());
        var kernelSlots = state.slots().get(0);
        assertEquals(List.of("momentum", "velocity"), List.copyOf(kernelSlots.keySet()));
        assertEquals(Shape.of(2, 3), kernelSlots.get("momentum").shape());
        assertEquals(DType.FLOAT64, kernelSlots.get("momentum").dtype());
        assertArrayEquals(new double[] {0.1, 0.1, 0.1, 0.2, 0.2, 0.2}, kernelSlots.get("momentum").values(), 1e-15);
        assertArrayEquals(new double[] {0.001 * 9}, state.slots().get(1).get("velocity").values(), 1e-15);
    }

    @Test
    void aScalarParameterRoundTrips() {
        var w = Tensor.scalar(2.0, DType.FLOAT64).requiringGrad();
        var sgd = new SGD(SGD.Config.defaults().withMomentum(0.5));
        Quadratic.setGradient(w, new double[] {1});
        sgd.apply(List.of(w));
        OptimizerState state = sgd.state();
        assertEquals(Shape.of(), state.slots().get(0).get("momentum").shape());
        var restored = new SGD(sgd.config());
        restored.loadState(state, List.of(w));
        assertEquals(state, restored.state());
    }

    @Test
    void theSnapshotDoesNotChangeWithLaterSteps() {
        var problem = new Quadratic();
        var adam = new Adam(0.1);
        problem.step(adam);
        OptimizerState state = adam.state();
        double[] momentum = state.slots().get(0).get("momentum").values();
        problem.step(adam);
        assertArrayEquals(momentum, state.slots().get(0).get("momentum").values(), 0.0);
        assertEquals(1, state.iterations());
    }

    @Test
    void loadingAMismatchedStateFailsAndChangesNothing() {
        var problem = new Quadratic();
        var adam = new Adam(0.1);
        problem.step(adam);
        OptimizerState state = adam.state();
        var w = problem.w;

        var nadam = new Nadam();
        assertMessage(() -> nadam.loadState(state, List.of(w)), "Cannot load the state of optimizer 'adam' into optimizer 'nadam'");

        var other = new Adam();
        var second = Tensor.of(new double[] {1}, 1).requiringGrad();
        assertMessage(() -> other.loadState(state, List.of(w, second)), "holds slots for 1 parameters, but 2 parameters were given");

        var wrongShape = Tensor.of(new double[] {1, 2, 3, 4}, 2, 2).requiringGrad();
        assertMessage(() -> other.loadState(state, List.of(wrongShape)),
                "Parameter 0 has shape [2, 2], but its saved slot 'momentum' has shape [4]");

        var amsgrad = new Adam(Adam.Config.defaults().withAmsgrad(true));
        assertMessage(() -> amsgrad.loadState(state, List.of(w)),
                "Parameter 0: optimizer 'adam' keeps slots [momentum, velocity, velocity_hat]. Received: [momentum, velocity]");

        assertEquals(0, other.iterations());
        assertEquals(List.of(), other.state().slots(), "a failed load leaves the optimizer as it was");
    }

    @Test
    void slotValuesMustFitTheirShape() {
        var error = assertThrows(IllegalArgumentException.class,
                () -> new OptimizerState.Slot(Shape.of(2, 2), DType.FLOAT64, new double[3]));
        assertTrue(error.getMessage().contains("needs 4 values. Received: 3 values"), error.getMessage());
        var negative = assertThrows(IllegalArgumentException.class, () -> new OptimizerState("adam", -1, List.of(Map.of())));
        assertTrue(negative.getMessage().contains("iterations=-1"), negative.getMessage());
    }

    private static void assertMessage(Runnable action, String expected) {
        var error = assertThrows(IllegalArgumentException.class, action::run);
        assertTrue(error.getMessage().contains(expected), "message: " + error.getMessage());
    }
}
