package dev.kiln.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.core.Tensor;
import dev.kiln.losses.BinaryCrossentropy;
import org.junit.jupiter.api.Test;

/** Resolving the names given to compile, as Keras does, and metric names. */
class MetricsTest {

    private static Tensor t(double[] values, long... shape) { return Tensor.of(values, shape); }

    @Test
    void resolvesKerasNamesAndLogsUnderTheGivenName() {
        assertInstanceOf(Accuracy.class, Metrics.resolve("accuracy", null));
        assertEquals("acc", Metrics.resolve("acc", null).name());
        assertInstanceOf(BinaryAccuracy.class, Metrics.resolve("binary_accuracy", null));
        assertInstanceOf(SparseCategoricalAccuracy.class, Metrics.resolve("sparse_categorical_accuracy", null));
        assertInstanceOf(AUC.class, Metrics.resolve("auc", null));
        assertInstanceOf(AUC.class, Metrics.resolve("AUC", null));
        assertEquals("AUC", Metrics.resolve("AUC", null).name());
        assertInstanceOf(Precision.class, Metrics.resolve("precision", null));
        assertInstanceOf(F1Score.class, Metrics.resolve("f1_score", null));
        assertInstanceOf(TrueNegatives.class, Metrics.resolve("true_negatives", null));
        assertInstanceOf(TopKCategoricalAccuracy.class, Metrics.resolve("top_k_categorical_accuracy", null));
        assertEquals("mse", Metrics.resolve("mse", null).name());
    }

    @Test
    void unknownNameListsTheValidOnes() {
        var e = assertThrows(IllegalArgumentException.class, () -> Metrics.resolve("acuracy", null));
        assertTrue(e.getMessage().startsWith("Unknown metric 'acuracy'. Valid names: "), e.getMessage());
        for (String name : new String[] {"accuracy", "auc", "precision", "recall", "mse", "f1_score"}) {
            assertTrue(e.getMessage().contains(name), e.getMessage());
        }
    }

    @Test
    void accuracyResolvedWithTheLossUsesIt() {
        // three independent outputs per sample; p > 0.5 gives [1, 0, 0] and [1, 1, 0]
        var yPred = t(new double[] {0.9, 0.2, 0.1, 0.6, 0.7, 0.4}, 2, 3);
        var yTrue = t(new double[] {1, 0, 0, 1, 1, 1}, 2, 3);
        var accuracy = Metrics.resolve("accuracy", new BinaryCrossentropy());
        accuracy.update(yTrue, yPred);
        assertEquals(5 / 6.0, accuracy.result(), 1e-12);      // ✓ ✓ ✓ | ✓ ✓ ✗
        var byShapes = Metrics.resolve("accuracy", null);
        byShapes.update(yTrue, yPred);
        assertEquals(1 / 2.0, byShapes.result(), 1e-12);      // categorical: argmax 0 = 0 ✓, argmax of [1, 1, 1] is 0, not 1 ✗
        var readied = Metrics.resolve(Metrics.accuracy().named("acc"), new BinaryCrossentropy());
        readied.update(yTrue, yPred);
        assertEquals(5 / 6.0, readied.result(), 1e-12);
        assertEquals(Accuracy.Kind.BINARY, ((Accuracy) readied).kind());
        assertEquals("acc", readied.name());
        var precision = Metrics.precision();
        assertSame(precision, Metrics.resolve(precision, new BinaryCrossentropy()));
    }

    @Test
    void lossMetricsAverageThePerSampleLoss() {
        var mse = Metrics.resolve("mse", null);
        mse.update(t(new double[] {0, 1, 0, 0}, 2, 2), t(new double[] {1, 1, 1, 0}, 2, 2));   // per sample 0.5, 0.5
        mse.update(t(new double[] {0, 0}, 1, 2), t(new double[] {2, 0}, 1, 2));               // per sample 2
        assertEquals((0.5 + 0.5 + 2) / 3, mse.result(), 1e-12);
        var bce = Metrics.resolve("binary_crossentropy", null);
        bce.update(t(new double[] {1, 0}, 2), t(new double[] {0.8, 0.4}, 2, 1), t(new double[] {3, 1}, 2));
        assertEquals((-3 * Math.log(0.8) - Math.log(0.6)) / 4, bce.result(), 1e-12);
        var custom = new MeanMetricWrapper("mean_prediction", (yTrue, yPred) -> yPred.mean(-1));
        custom.update(t(new double[] {0, 0}, 2), t(new double[] {1, 3, 5, 7}, 2, 2).requiringGrad());
        assertEquals(4.0, custom.result(), 1e-12);
    }

    @Test
    void namesAreKerasAndCanBeChanged() {
        assertEquals("binary_accuracy", Metrics.binaryAccuracy().name());
        assertEquals("categorical_accuracy", Metrics.categoricalAccuracy().name());
        assertEquals("sparse_categorical_accuracy", Metrics.sparseCategoricalAccuracy().name());
        assertEquals("recall", Metrics.recall().name());
        assertEquals("false_positives", Metrics.falsePositives().name());
        assertEquals("accuracy", Metrics.accuracy().name());
        assertEquals("loss", Metrics.mean("loss").name());
        assertEquals("pr_auc", Metrics.auc(AUC.Curve.PR).named("pr_auc").name());
        var e = assertThrows(IllegalArgumentException.class, () -> Metrics.auc().named(""));
        assertEquals("A metric needs a name. Received: name=", e.getMessage());
    }
}
