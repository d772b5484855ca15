package dev.kiln.layers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.kiln.core.GradientCheck;
import dev.kiln.core.Tensor;
import java.util.List;
import org.junit.jupiter.api.Test;

class RegularizerConstraintTest extends LayerTesting {

    @Test
    void penaltiesFollowKerasFormulas() {
        var w = tensor(new double[] {1, -2, 3, -4}, 2, 2);
        assertEquals(0.01 * 30, Regularizer.l2().apply(w).item(), 1e-12);
        assertEquals(0.01 * 10, Regularizer.l1().apply(w).item(), 1e-12);
        assertEquals(0.1 * 10 + 0.2 * 30, Regularizer.l1l2(0.1, 0.2).apply(w).item(), 1e-12);
        GradientCheck.check(in -> Regularizer.l1l2(0.3, 0.5).apply(in.get(0)), GradientCheck.random(3, 2));
        assertMessageContains(assertThrows(IllegalArgumentException.class, () -> Regularizer.l2(-1)), "l2=-1");
    }

    @Test
    void layerLossesCollectWeightPenaltiesAndActivityOfTheLatestCall() {
        var dense = new Dense(new Dense.Config(2, Activation.LINEAR).withRegularizers(Regularizer.l2(0.5), null, Regularizer.l1(0.1)));
        var x = tensor(new double[] {1, 2, 3}, 1, 3);
        dense.maybeBuild(x.shape());
        dense.setWeights(List.of(tensor(new double[] {1, 0, 0, 1, 1, 1}, 3, 2), tensor(new double[] {0, 0}, 2)));
        assertEquals(List.of(0.5 * 4), dense.losses().stream().map(Tensor::item).toList());
        dense.apply(x, true);                              // output [4, 5]: activity 0.1 · 9
        assertEquals(List.of(0.1 * 9, 0.5 * 4), dense.losses().stream().map(Tensor::item).toList());
        dense.apply(x, true);                              // a new call replaces, not adds
        assertEquals(2, dense.losses().size());
        dense.setTrainable(false);                         // frozen weights are not regularized
        assertEquals(List.of(0.1 * 9), dense.losses().stream().map(Tensor::item).toList());
    }

    @Test
    void aSharedLayerKeepsTheActivityLossOfEachUseInOneForwardPass() {
        var dense = new Dense(new Dense.Config(1, Activation.LINEAR).withRegularizers(null, null, Regularizer.l1(1)));
        var outer = new Add();
        var in = dev.kiln.models.Input.of(2);
        var model = new dev.kiln.models.Model(in, outer.apply(dense.apply(in), dense.apply(in)));
        model.apply(GradientCheck.random(3, 2), true);
        assertEquals(2, model.losses().size());
        model.apply(GradientCheck.random(3, 2), true);
        assertEquals(2, model.losses().size());
    }

    @Test
    void constraintsProjectAfterAnUpdate() {
        var dense = new Dense(new Dense.Config(2, Activation.LINEAR).withConstraints(Constraint.maxNorm(), Constraint.nonNeg()));
        dense.maybeBuild(dev.kiln.core.Shape.of(1, 2));
        // column norms: 5 (capped to 2) and 1 (kept)
        dense.setWeights(List.of(tensor(new double[] {3, 0, 4, 1}, 2, 2), tensor(new double[] {-1, 2}, 2)));
        dense.applyConstraints();
        double scale = 2 / (5 + 1e-7);
        assertValues(new double[] {3 * scale, 0, 4 * scale, 1 / (1 + 1e-7)}, dense.weights().get(0), 1e-12);
        assertValues(new double[] {0, 2}, dense.weights().get(1), 0);
        assertEquals(true, dense.weights().get(0).requiresGrad());
    }

    @Test
    void unitAndMinMaxNorms() {
        var w = tensor(new double[] {3, 0.1, 4, 0.1}, 2, 2);                    // column norms 5 and √0.02
        double small = Math.sqrt(0.02);
        assertValues(new double[] {3 / (5 + 1e-7), 0.1 / (small + 1e-7), 4 / (5 + 1e-7), 0.1 / (small + 1e-7)},
                Constraint.unitNorm().apply(w), 1e-12);
        var rows = Constraint.unitNorm(1).apply(tensor(new double[] {3, 4}, 1, 2));
        assertValues(new double[] {0.6, 0.8}, rows, 1e-7);
        var minMax = new Constraint.MinMaxNorm(0.5, 1, 1, List.of(0)).apply(w);
        assertValues(new double[] {3 / 5.0, 0.1 * 0.5 / small, 4 / 5.0, 0.1 * 0.5 / small}, minMax, 1e-6);
        assertEquals(new Constraint.MaxNorm(2, List.of(0)), Constraint.maxNorm());
        assertMessageContains(assertThrows(IllegalArgumentException.class, () -> Constraint.maxNorm(0)), "maxValue=0");
    }
}
