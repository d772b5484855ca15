package dev.kiln.losses;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The factory, lookup by Keras name, names and configs. */
class LossesTest {

    @Test
    void byNameKnowsKerasNamesClassNamesAndAliases() {
        assertInstanceOf(BinaryCrossentropy.class, Losses.byName("binary_crossentropy"));
        assertInstanceOf(BinaryCrossentropy.class, Losses.byName("bce"));
        assertInstanceOf(CategoricalCrossentropy.class, Losses.byName("CategoricalCrossentropy"));
        assertInstanceOf(SparseCategoricalCrossentropy.class, Losses.byName("sparse_categorical_crossentropy"));
        assertInstanceOf(MeanSquaredError.class, Losses.byName("mse"));
        assertInstanceOf(MeanSquaredError.class, Losses.byName("MSE"));
        assertInstanceOf(MeanAbsoluteError.class, Losses.byName("mae"));
        assertInstanceOf(Huber.class, Losses.byName("huber"));
        assertInstanceOf(Hinge.class, Losses.byName("hinge"));
    }

    @Test
    void unknownNameListsTheValidOnes() {
        var e = assertThrows(IllegalArgumentException.class, () -> Losses.byName("binary_crossentropyy"));
        assertTrue(e.getMessage().startsWith("Unknown loss 'binary_crossentropyy'. Valid names: "), e.getMessage());
        for (String name : new String[] {"binary_crossentropy", "mse", "mae", "hinge", "huber", "sparse_categorical_crossentropy"}) {
            assertTrue(e.getMessage().contains(name), e.getMessage());
        }
    }

    @Test
    void namesAndDefaultsAreKeras() {
        assertEquals("binary_crossentropy", Losses.binaryCrossentropy().name());
        assertEquals("categorical_crossentropy", Losses.categoricalCrossentropy().name());
        assertEquals("sparse_categorical_crossentropy", Losses.sparseCategoricalCrossentropy().name());
        assertEquals("mean_squared_error", Losses.meanSquaredError().name());
        assertEquals("mean_absolute_error", Losses.meanAbsoluteError().name());
        assertEquals("huber_loss", Losses.huber().name());
        assertEquals("hinge", Losses.hinge().name());
        assertEquals(new BinaryCrossentropy.Config(false, 0.0, Reduction.SUM_OVER_BATCH_SIZE, "binary_crossentropy"),
                Losses.binaryCrossentropy().config());
        assertEquals(new CategoricalCrossentropy.Config(true, 0.0, -1, Reduction.SUM_OVER_BATCH_SIZE, "categorical_crossentropy"),
                Losses.categoricalCrossentropy(true).config());
        assertEquals(1.0, Losses.huber().config().delta());
        assertEquals("sum_over_batch_size", Reduction.SUM_OVER_BATCH_SIZE.kerasName());
        assertEquals(Reduction.SUM_OVER_BATCH_SIZE, Reduction.of("mean"));
    }

    @Test
    void aConfigBuildsTheSameLossBack() {
        var loss = new CategoricalCrossentropy(true, 0.1).withReduction(Reduction.SUM);
        var rebuilt = loss.config().create();
        assertInstanceOf(CategoricalCrossentropy.class, rebuilt);
        assertEquals(loss.config(), rebuilt.config());
        assertEquals(Reduction.SUM, rebuilt.reduction());
    }
}
