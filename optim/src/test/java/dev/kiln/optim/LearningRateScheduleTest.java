package dev.kiln.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.optim.LearningRateSchedule.Constant;
import dev.kiln.optim.LearningRateSchedule.CosineDecay;
import dev.kiln.optim.LearningRateSchedule.ExponentialDecay;
import dev.kiln.optim.LearningRateSchedule.InverseTimeDecay;
import dev.kiln.optim.LearningRateSchedule.PiecewiseConstantDecay;
import dev.kiln.optim.LearningRateSchedule.PolynomialDecay;
import java.util.List;
import org.junit.jupiter.api.Test;

class LearningRateScheduleTest {

    private static final double TOLERANCE = 1e-15;

    @Test
    void constant() {
        var schedule = new Constant(0.02);
        for (long step : new long[] {0, 1, 1_000_000}) assertEquals(0.02, schedule.at(step), 0.0);
    }

    @Test
    void exponentialDecay() {
        var smooth = new ExponentialDecay(0.1, 10, 0.5);
        assertEquals(0.1, smooth.at(0), TOLERANCE);
        assertEquals(0.1 * Math.sqrt(0.5), smooth.at(5), TOLERANCE);   // 0.0707106781…
        assertEquals(0.05, smooth.at(10), TOLERANCE);
        assertEquals(0.1 * Math.pow(0.5, 2.3), smooth.at(23), TOLERANCE);

        var staircase = new ExponentialDecay(0.1, 10, 0.5, true);
        assertEquals(0.1, staircase.at(9), TOLERANCE);
        assertEquals(0.05, staircase.at(10), TOLERANCE);
        assertEquals(0.05, staircase.at(19), TOLERANCE);
        assertEquals(0.025, staircase.at(25), TOLERANCE);
    }

    @Test
    void piecewiseConstantDecay() {
        // Keras's test_boundary_values: a value holds up to and including its boundary.
        var schedule = new PiecewiseConstantDecay(List.of(100L, 110L, 120L), List.of(0.4, 0.5, 0.6, 0.7));
        assertEquals(0.4, schedule.at(0), 0.0);
        assertEquals(0.4, schedule.at(100), 0.0);
        assertEquals(0.5, schedule.at(101), 0.0);
        assertEquals(0.5, schedule.at(110), 0.0);
        assertEquals(0.6, schedule.at(111), 0.0);
        assertEquals(0.7, schedule.at(121), 0.0);
        assertEquals(0.7, schedule.at(1_000_000), 0.0);
        assertEquals(0.3, new PiecewiseConstantDecay(List.of(), List.of(0.3)).at(5), 0.0);
    }

    @Test
    void cosineDecay() {
        var schedule = new CosineDecay(0.1, 100, 0.1);
        for (long step : new long[] {0, 1, 25, 50, 99, 100, 150}) {
            double s = Math.min(step, 100);
            double expected = 0.1 * (0.9 * 0.5 * (1 + Math.cos(Math.PI * s / 100)) + 0.1);
            assertEquals(expected, schedule.at(step), TOLERANCE, "step " + step);
        }
        assertEquals(0.1, schedule.at(0), TOLERANCE);
        assertEquals(0.055, schedule.at(50), TOLERANCE);                // half-way: (1 + alpha) / 2 of the start
        assertEquals(0.01, schedule.at(100), TOLERANCE);                // alpha of the start, and it stays there
        assertEquals(0.01, schedule.at(1000), TOLERANCE);
    }

    @Test
    void cosineDecayWithWarmup() {
        var schedule = new CosineDecay(0.0, 100, 0.0, 1.0, 10);
        assertEquals(0.0, schedule.at(0), TOLERANCE);
        assertEquals(0.5, schedule.at(5), TOLERANCE);                   // linear warm-up from 0 to 1 over 10 steps
        assertEquals(0.9, schedule.at(9), TOLERANCE);
        assertEquals(1.0, schedule.at(10), TOLERANCE);                  // decay starts from the warm-up target
        assertEquals(0.5, schedule.at(60), TOLERANCE);
        assertEquals(0.5 * (1 + Math.cos(Math.PI * 0.25)), schedule.at(35), TOLERANCE);
        assertEquals(0.0, schedule.at(110), TOLERANCE);
        assertEquals(0.0, schedule.at(500), TOLERANCE);

        var fromNonZero = new CosineDecay(0.2, 50, 0.5, 0.6, 4);
        assertEquals(0.2 + 0.4 * 3 / 4.0, fromNonZero.at(3), TOLERANCE);
        assertEquals(0.6 * (0.5 * 0.5 * (1 + Math.cos(Math.PI * 10 / 50)) + 0.5), fromNonZero.at(14), TOLERANCE);
    }

    @Test
    void inverseTimeDecay() {
        var smooth = new InverseTimeDecay(0.1, 10, 0.5);
        assertEquals(0.1, smooth.at(0), TOLERANCE);
        assertEquals(0.1 / 1.25, smooth.at(5), TOLERANCE);
        assertEquals(0.1 / 1.5, smooth.at(10), TOLERANCE);
        assertEquals(0.1 / (1 + 0.5 * 3.7), smooth.at(37), TOLERANCE);

        var staircase = new InverseTimeDecay(0.1, 10, 0.5, true);
        assertEquals(0.1, staircase.at(9), TOLERANCE);
        assertEquals(0.1 / 1.5, staircase.at(15), TOLERANCE);
        assertEquals(0.05, staircase.at(20), TOLERANCE);
    }

    @Test
    void polynomialDecay() {
        var schedule = new PolynomialDecay(0.1, 100, 0.01, 2.0, false);
        assertEquals(0.1, schedule.at(0), TOLERANCE);
        assertEquals(0.09 * 0.25 + 0.01, schedule.at(50), TOLERANCE);
        assertEquals(0.09 * Math.pow(0.1, 2) + 0.01, schedule.at(90), TOLERANCE);
        assertEquals(0.01, schedule.at(100), TOLERANCE);
        assertEquals(0.01, schedule.at(150), TOLERANCE);

        var linear = new PolynomialDecay(0.1, 100);                    // Keras's defaults: end 1e-4, power 1
        assertEquals((0.1 + 0.0001) / 2, linear.at(50), TOLERANCE);

        var cycle = new PolynomialDecay(0.1, 100, 0.01, 2.0, true);
        assertEquals(0.1, cycle.at(0), TOLERANCE);                      // step 0 counts as the first cycle
        assertEquals(0.09 * 0.25 + 0.01, cycle.at(50), TOLERANCE);
        assertEquals(0.01, cycle.at(100), TOLERANCE);
        assertEquals(0.09 * Math.pow(0.25, 2) + 0.01, cycle.at(150), TOLERANCE);  // decays over 200 steps now
        assertEquals(0.09 * Math.pow(1 - 201.0 / 300, 2) + 0.01, cycle.at(201), TOLERANCE);
    }

    @Test
    void badArgumentsAreRejectedWithTheValueReceived() {
        assertMessage(() -> new Constant(-0.1), "learningRate=-0.1");
        assertMessage(() -> new Constant(Double.NaN), "learningRate=NaN");
        assertMessage(() -> new ExponentialDecay(0.1, 0, 0.5), "decaySteps=0");
        assertMessage(() -> new ExponentialDecay(0.1, 10, -0.5), "decayRate=-0.5");
        assertMessage(() -> new ExponentialDecay(-1, 10, 0.5), "initialLearningRate=-1.0");
        assertMessage(() -> new PiecewiseConstantDecay(List.of(10L, 20L), List.of(0.1, 0.2)),
                "Received: boundaries=[10, 20] of length 2, and values=[0.1, 0.2] of length 2");
        assertMessage(() -> new PiecewiseConstantDecay(List.of(20L, 10L), List.of(0.1, 0.2, 0.3)), "Received: boundaries=[20, 10]");
        assertMessage(() -> new PiecewiseConstantDecay(List.of(10L), List.of(0.1, -0.2)), "values=-0.2");
        assertMessage(() -> new CosineDecay(0.1, -5, 0.0), "decaySteps=-5");
        assertMessage(() -> new CosineDecay(0.1, 10, 1.5), "alpha=1.5");
        assertMessage(() -> new CosineDecay(0.1, 10, 0.0, null, 5), "warmupSteps=5, warmupTarget=null");
        assertMessage(() -> new CosineDecay(0.1, 10, 0.0, -1.0, 5), "warmupTarget=-1.0");
        assertMessage(() -> new InverseTimeDecay(0.1, 0, 0.5), "decaySteps=0");
        assertMessage(() -> new InverseTimeDecay(0.1, 10, -1), "decayRate=-1.0");
        assertMessage(() -> new PolynomialDecay(0.1, 10, 0.0, 0.0, false), "power=0.0");
        assertMessage(() -> new PolynomialDecay(0.1, 10, -0.01, 1.0, false), "endLearningRate=-0.01");
    }

    static void assertMessage(Runnable action, String expected) {
        var error = assertThrows(IllegalArgumentException.class, action::run);
        assertTrue(error.getMessage().contains(expected), "message: " + error.getMessage());
    }
}
