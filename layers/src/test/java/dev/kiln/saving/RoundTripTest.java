package dev.kiln.saving;

import static dev.kiln.layers.Activation.RELU;
import static dev.kiln.layers.Activation.SIGMOID;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.kiln.core.DType;
import dev.kiln.core.Initializer;
import dev.kiln.core.Kiln;
import dev.kiln.core.Padding;
import dev.kiln.core.Shape;
import dev.kiln.core.Tensor;
import dev.kiln.layers.Activation;
import dev.kiln.layers.AdditiveAttention;
import dev.kiln.layers.Attention;
import dev.kiln.layers.Bidirectional;
import dev.kiln.layers.GRU;
import dev.kiln.layers.GRUCell;
import dev.kiln.layers.LSTM;
import dev.kiln.layers.MultiHeadAttention;
import dev.kiln.layers.PositionEmbedding;
import dev.kiln.layers.RNN;
import dev.kiln.layers.SimpleRNN;
import dev.kiln.layers.SinePositionEncoding;
import dev.kiln.layers.TokenAndPositionEmbedding;
import dev.kiln.layers.TransformerDecoder;
import dev.kiln.layers.TransformerEncoder;
import dev.kiln.layers.ActivationLayer;
import dev.kiln.layers.Add;
import dev.kiln.layers.AveragePooling1D;
import dev.kiln.layers.BatchNormalization;
import dev.kiln.layers.Concatenate;
import dev.kiln.layers.Constraint;
import dev.kiln.layers.Conv1D;
import dev.kiln.layers.Dense;
import dev.kiln.layers.Dropout;
import dev.kiln.layers.Embedding;
import dev.kiln.layers.Flatten;
import dev.kiln.layers.GlobalAveragePooling1D;
import dev.kiln.layers.GlobalMaxPooling1D;
import dev.kiln.layers.Layer;
import dev.kiln.layers.LayerNormalization;
import dev.kiln.layers.LayerTesting;
import dev.kiln.layers.MaxPooling1D;
import dev.kiln.layers.Multiply;
import dev.kiln.layers.Regularizer;
import dev.kiln.layers.Reshape;
import dev.kiln.layers.SpatialDropout1D;
import dev.kiln.layers.Weight;
import dev.kiln.models.Input;
import dev.kiln.models.Model;
import dev.kiln.models.Sequential;
import java.io.File;
import java.lang.reflect.Modifier;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/** save → load gives the same architecture, the same weights by path, and bit-identical predictions. */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RoundTripTest extends LayerTesting {

    private static final Set<Class<?>> COVERED = new HashSet<>();
    private static int finished;

    @TempDir
    Path dir;

    @Test
    void imdbConvNetInFloat32() {
        Kiln.setFloatx(DType.FLOAT32);
        var model = new Sequential(
                new Embedding(10_000, 16),
                new Conv1D(32, 5, RELU),
                new MaxPooling1D(2),
                new GlobalMaxPooling1D(),
                new Dense(16, RELU),
                new Dense(1, SIGMOID));
        var tokens = tokens(4, 40, 10_000);
        model.predict(tokens);   // builds it from the input shape, as the IMDB example does
        Model loaded = roundTrip(model, tokens);
        assertEquals(DType.FLOAT32, loaded.weights().get(0).dtype());
        assertEquals(List.of("embedding/embeddings", "conv1d/kernel", "conv1d/bias", "dense/kernel", "dense/bias", "dense_1/kernel",
                "dense_1/bias"), loaded.namedWeights().stream().map(Weight::path).toList());
    }

    @Test
    void denseAndConvolutionWithEverySetting() {
        var conv = new Conv1D(new Conv1D.Config(3, 2, Activation.TANH).withPadding(Padding.CAUSAL).withDilationRate(2)
                .withInitializers(Initializer.heNormal(), Initializer.constant(0.25))
                .withRegularizers(Regularizer.l2(0.002), Regularizer.l1(1e-4), Regularizer.l1l2(1e-5, 2e-5))
                .withConstraints(Constraint.maxNorm(3.0, 0, 1), Constraint.nonNeg()));
        var dense = new Dense(new Dense.Config(2, Activation.LEAKY_RELU).withUseBias(false)
                .withInitializers(new Initializer.RandomUniform(-0.3, 0.7), Initializer.zeros())
                .withConstraints(Constraint.unitNorm(0), null));
        var model = new Sequential(Input.of(5, 4), conv, new Conv1D(new Conv1D.Config(2, 3, null).withStrides(2).withPadding(Padding.SAME)),
                new Flatten(), dense, new Dense(new Dense.Config(3, Activation.SOFTMAX)
                        .withConstraints(new Constraint.MinMaxNorm(0.5, 2, 0.7, List.of(0)), null)));
        roundTrip(model, random(3, 5, 4));
    }

    @Test
    void embeddingPoolingReshapingAndDropout() {
        var tokens = Input.of(6);
        var x = new Embedding(new Embedding.Config(20, 4).withMaskZero(true).withEmbeddingsInitializer(Initializer.glorotNormal())
                .withRegularizers(Regularizer.l1(0.01), null)).apply(tokens);            // [B, 6, 4]
        x = new Dropout(new Dropout.Config(0.3, Shape.of(Shape.UNKNOWN, 1, 4), 7L)).apply(x);
        x = new SpatialDropout1D(0.2).apply(x);
        var pooled = new AveragePooling1D(new AveragePooling1D.Config(3, 1, Padding.SAME)).apply(x);
        var maxed = new MaxPooling1D(2, 2, Padding.VALID).apply(x);                      // [B, 3, 4]
        var reshaped = new Reshape(-1, 2).apply(maxed);                                     // [B, 6, 2]
        var joined = new Concatenate(-1).apply(pooled, reshaped);                           // [B, 6, 6]
        var a = new GlobalAveragePooling1D(new GlobalAveragePooling1D.Config(true)).apply(joined);   // [B, 1, 6]
        var b = new GlobalMaxPooling1D().apply(joined);                                     // [B, 6]
        var out = new Add().apply(new Flatten().apply(a), b);
        roundTrip(new Model(tokens, out), tokens(3, 6, 20));
    }

    @Test
    void normalizationMergesAndActivationLayer() {
        var in = Input.of(3, 4);
        var bn = new BatchNormalization(new BatchNormalization.Config().withMomentum(0.5).withEpsilon(1e-2)
                .withRegularizers(Regularizer.l2(0.1), null));
        var x = bn.apply(in);
        var y = new LayerNormalization(new LayerNormalization.Config().withEpsilon(1e-4).withCenterAndScale(false, true)).apply(in);
        var z = new Multiply().apply(x, y);
        var out = new ActivationLayer("gelu").apply(new Dense(2).apply(z));
        var model = new Model(in, out);
        bn.apply(random(5, 3, 4), true);   // moves the moving statistics away from their initial 0 and 1
        Model loaded = roundTrip(model, random(2, 3, 4));
        assertFalse(Arrays.equals(new double[] {0, 0, 0, 0}, loaded.getLayer(bn.name()).weights().get(2).toDoubleArray()),
                "the moving mean was saved as trained");
    }

    @Test
    void twoInputsAndASharedLayer() {
        var left = Input.of(3);
        var right = Input.of(3);
        var shared = new Dense(4, Activation.TANH).named("shared");
        var out = new Dense(1).apply(new Concatenate().apply(shared.apply(left), shared.apply(right)));
        Model model = new Model(List.of(left, right), out).named("siamese");
        Model loaded = roundTrip(model, random(2, 3), random(2, 3));
        Layer loadedShared = loaded.getLayer("shared");
        assertEquals(2, loaded.nodes().stream().filter(n -> n.layer() == loadedShared).count(), "still called twice");
        assertEquals(4, loaded.weights().size(), "one kernel and bias for both calls");
    }

    @Test
    void nestedModelsAndAFrozenLayer() {
        var in = Input.of(4);
        Model encoder = new Model(in, new Dense(3, RELU).apply(in)).named("encoder");
        Sequential stack = new Sequential(new Dense(3), new Dense(2)).named("head");
        var outerIn = Input.of(4);
        var model = new Model(outerIn, stack.apply(encoder.apply(outerIn)));
        encoder.setTrainable(false);
        Model loaded = roundTrip(model, random(2, 4));
        assertFalse(loaded.getLayer("encoder").trainable());
        assertEquals(4, loaded.trainableWeights().size(), "the frozen encoder's weights stay out of training");
    }

    @Test
    void aFloat64ModelLoadsInFloat64WhateverTheFloatx() {
        var tokens = Input.of(DType.INT32, 5);
        var model = new Model(tokens, new Dense(2).apply(new GlobalAveragePooling1D().apply(new Embedding(9, 3).apply(tokens))));
        Kiln.setFloatx(DType.FLOAT32);
        Model loaded = roundTrip(model, tokens(2, 5, 9));
        assertEquals(DType.FLOAT64, loaded.dtype());
        assertEquals(DType.INT32, loaded.inputs().get(0).dtype());
        assertEquals(DType.FLOAT32, Kiln.floatx(), "loading leaves floatx as it was");
    }

    @Test
    void toJsonAndFromJsonGiveTheArchitectureWithFreshWeights() {
        var model = new Sequential(Input.of(3), new Dense(2, RELU), new Dense(1));
        String json = model.toJson();
        assertTrue(json.contains("\"class_name\" : \"Sequential\"") && json.contains("\"units\" : 2") && json.contains("\"activation\" : \"relu\""),
                json);
        Model copy = Model.fromJson(json);
        assertEquals(json, copy.toJson());
        assertNotSame(model.weights().get(0), copy.weights().get(0));
        assertEquals(model.weights().get(0).shape(), copy.weights().get(0).shape());
    }

    @Test
    void aSaveAfterALoadWritesTheSameArchitecture() {
        var model = new Sequential(Input.of(2), new Dense(2));
        Path first = dir.resolve("first.kiln");
        model.save(first);
        Model loaded = Model.load(first);
        assertSame(Sequential.class, loaded.getClass());
        assertEquals(model.toJson(), loaded.toJson());
    }

    @AfterEach
    void countFinished() { finished++; }

    @Test
    void imdbLstmAndTransformerModels() {
        Kiln.setFloatx(DType.FLOAT32);
        var lstm = new Sequential(Input.of(DType.INT32, 20), new Embedding(new Embedding.Config(10_000, 64).withMaskZero(true)),
                new LSTM(64), new Dense(1, SIGMOID));
        roundTrip(lstm, tokens(3, 20, 10_000));
        var transformer = new Sequential(Input.of(DType.INT32, 200), new TokenAndPositionEmbedding(20_000, 200, 32),
                new TransformerEncoder(new TransformerEncoder.Config(32, 2).withDropout(0.1)), new GlobalAveragePooling1D(),
                new Dropout(0.1), new Dense(20, RELU), new Dropout(0.1), new Dense(2, Activation.SOFTMAX));
        roundTrip(transformer, tokens(2, 200, 20_000));
    }

    @Test
    void recurrentLayersWithTheirSettings() {
        var in = Input.of(5, 3);
        var a = new SimpleRNN(4, true).apply(in);
        var b = new GRU(new GRU.Config(4).withCell(c -> c.withResetAfter(false)).withReturnSequences(true)).apply(a);
        var c = new Bidirectional(new LSTM(3, true), Bidirectional.MergeMode.SUM).apply(b);
        var d = new RNN(new GRUCell(2)).apply(c);
        roundTrip(new Model(in, d), random(2, 5, 3));
        coveredInside("SimpleRNNCell", "GRUCell", "LSTMCell");
    }

    @Test
    void attentionLayersAndTransformerBlocks() {
        var query = Input.of(4, 6);
        var value = Input.of(5, 6);
        var heads = new MultiHeadAttention(2, 3).apply(query, value);             // [B, 4, 6]
        var dot = new Attention().apply(query, value);
        var additive = new AdditiveAttention().apply(query, value);
        var positions = new PositionEmbedding(4).apply(query);
        var sines = new SinePositionEncoding().apply(query);
        var sum = new Add().apply(heads, dot, additive, positions, sines);
        var encoded = new TransformerEncoder(8, 2).apply(sum);
        var decoded = new TransformerDecoder(8, 2).apply(encoded, value);         // with cross-attention on value
        roundTrip(new Model(List.of(query, value), decoded), random(2, 4, 6), random(2, 5, 6));
        coveredInside("EinsumDense");
    }

    /** Parts that only exist inside another layer: the owner's round trip saved and restored them. */
    private static void coveredInside(String... classNames) {
        for (String name : classNames) {
            try {
                COVERED.add(Class.forName("dev.kiln.layers." + name));
            } catch (ClassNotFoundException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    /** Every concrete layer class of dev.kiln.layers is round-tripped by some test in this class (checked when all ran). */
    @Test
    @Order(Integer.MAX_VALUE)
    void everyLayerTypeIsCovered() throws URISyntaxException {
        long others = Arrays.stream(RoundTripTest.class.getDeclaredMethods()).filter(m -> m.isAnnotationPresent(Test.class)).count() - 1;
        assumeTrue(finished == others, "only some of the round trips ran");
        var url = Objects.requireNonNull(Layer.class.getResource("Layer.class"));
        File folder = new File(url.toURI()).getParentFile();
        Set<String> missing = new TreeSet<>();
        for (String file : Objects.requireNonNull(folder.list())) {
            if (!file.endsWith(".class") || file.contains("$")) continue;
            try {
                Class<?> type = Class.forName("dev.kiln.layers." + file.substring(0, file.length() - 6));
                boolean concreteLayer = Layer.class.isAssignableFrom(type) && !Modifier.isAbstract(type.getModifiers());
                if (concreteLayer && !COVERED.contains(type)) missing.add(type.getSimpleName());
            } catch (ClassNotFoundException e) {
                throw new IllegalStateException(e);
            }
        }
        assertEquals(Set.of(), missing, "layer types without a save/load round trip in RoundTripTest: add one");
    }

    // ---- helpers ----

    /** Saves and loads {@code model}; checks the architecture, the weights and the predictions; returns the copy. */
    private Model roundTrip(Model model, Tensor... inputs) {
        Path path = dir.resolve(model.name() + ".kiln");
        model.save(path);
        Model loaded = Model.load(path);
        assertSame(model.getClass(), loaded.getClass());
        assertEquals(model.toJson(), loaded.toJson(), "the architecture, names and settings");
        assertEquals(paths(model), paths(loaded));
        for (int i = 0; i < model.weights().size(); i++) {
            assertEquals(model.weights().get(i).dtype(), loaded.weights().get(i).dtype());
            assertArrayEquals(model.weights().get(i).toDoubleArray(), loaded.weights().get(i).toDoubleArray(), 0.0);
        }
        List<Tensor> expected = model.predict(List.of(inputs));
        List<Tensor> actual = loaded.predict(List.of(inputs));
        for (int i = 0; i < expected.size(); i++) {
            assertEquals(expected.get(i).shape(), actual.get(i).shape());
            assertArrayEquals(expected.get(i).toDoubleArray(), actual.get(i).toDoubleArray(), 0.0, "bit-identical predictions");
        }
        cover(loaded);
        return loaded;
    }

    private static void cover(Model model) {
        COVERED.add(model.getClass());
        for (var in : model.inputs()) COVERED.add(in.layer().getClass());
        for (Layer layer : model.layers()) {
            COVERED.add(layer.getClass());
            if (layer instanceof Model nested) cover(nested);
        }
    }

    private static List<String> paths(Model model) {
        return model.namedWeights().stream().map(w -> w.path() + " " + w.value().shape()).collect(Collectors.toList());
    }

    static Tensor random(long... shape) {
        return Tensor.uniform(Shape.of(shape), -1, 1, Kiln.floatx());
    }

    static Tensor tokens(int batch, int steps, int vocabulary) {
        var rng = new java.util.Random(3);
        int[] ids = new int[batch * steps];
        for (int i = 0; i < ids.length; i++) ids[i] = i % 5 == 0 ? 0 : rng.nextInt(vocabulary);
        return Tensor.of(ids, batch, steps);
    }
}
