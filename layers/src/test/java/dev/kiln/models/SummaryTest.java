package dev.kiln.models;

import static dev.kiln.layers.Activation.RELU;
import static dev.kiln.layers.Activation.SIGMOID;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.core.DType;
import dev.kiln.core.Kiln;
import dev.kiln.layers.BatchNormalization;
import dev.kiln.layers.Concatenate;
import dev.kiln.layers.Conv1D;
import dev.kiln.layers.Dense;
import dev.kiln.layers.Embedding;
import dev.kiln.layers.GlobalMaxPooling1D;
import dev.kiln.layers.Layer;
import dev.kiln.layers.MaxPooling1D;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class SummaryTest {

    @BeforeEach
    void freshNames() {
        Kiln.seed(1);
        Layer.resetNames();
    }

    @AfterEach
    void float32() { Kiln.setFloatx(DType.FLOAT32); }

    private static Sequential imdbCnn(boolean withInput) {
        var layers = new Layer[] {new Embedding(10_000, 16), new Conv1D(32, 5, RELU), new MaxPooling1D(2),
                new GlobalMaxPooling1D(), new Dense(16, RELU), new Dense(1, SIGMOID)};
        return withInput ? new Sequential(Input.of(100), layers) : new Sequential(layers);
    }

    private static String print(Model model) {
        var bytes = new ByteArrayOutputStream();
        model.summary(new PrintStream(bytes, true, StandardCharsets.UTF_8));
        return bytes.toString(StandardCharsets.UTF_8);
    }

    @Test
    void imdbCnnParameterCountsMatchKeras() {
        var model = imdbCnn(true);
        assertEquals(List.of(160_000L, 2_592L, 0L, 0L, 528L, 17L), model.layers().stream().map(Layer::countParams).toList());
        assertEquals(163_137, model.countParams());
        String expected = String.join("\n",
                "Model: \"sequential\"",
                "___________________________________________________________________________",
                " Layer (type)                                 Output Shape       Param #",
                "===========================================================================",
                " embedding (Embedding)                        (None, 100, 16)    160,000",
                " conv1d (Conv1D)                              (None, 96, 32)       2,592",
                " max_pooling1d (MaxPooling1D)                 (None, 48, 32)           0",
                " global_max_pooling1d (GlobalMaxPooling1D)    (None, 32)               0",
                " dense (Dense)                                (None, 16)             528",
                " dense_1 (Dense)                              (None, 1)               17",
                "===========================================================================",
                " Total params: 163,137 (637.25 KB)",
                " Trainable params: 163,137 (637.25 KB)",
                " Non-trainable params: 0 (0.00 B)",
                "___________________________________________________________________________",
                "");
        assertEquals(expected, print(model));
    }

    @Test
    void functionalImdbCnnListsItsInputLayer() {
        var tokens = Input.of(100);
        var x = new Embedding(10_000, 16).apply(tokens);
        x = new Conv1D(32, 5, RELU).apply(x);
        x = new MaxPooling1D(2).apply(x);
        x = new GlobalMaxPooling1D().apply(x);
        x = new Dense(16, RELU).apply(x);
        var model = new Model(tokens, new Dense(1, SIGMOID).apply(x));
        assertEquals(163_137, model.countParams());
        String table = print(model);
        assertTrue(table.startsWith("Model: \"functional\"\n"), table);
        assertTrue(table.contains("\n input_layer (InputLayer)                     (None, 100)              0\n"), table);
        assertTrue(table.contains("\n global_max_pooling1d (GlobalMaxPooling1D)    (None, 32)               0\n"), table);
        assertTrue(!table.contains("Connected to"), "a chain needs no connections column");
    }

    @Test
    void lazySequentialIsUnbuiltUntilItsFirstCall() {
        var model = imdbCnn(false);
        String before = print(model);
        assertTrue(before.contains(" embedding (Embedding)                        ?               0 (unbuilt)\n"), before);
        assertTrue(before.contains(" Total params: 0 (0.00 B)"), before);
        model.predict(dev.kiln.core.Tensor.zeros(dev.kiln.core.Shape.of(2, 100), DType.INT32));
        String after = print(model);
        assertTrue(after.contains(" conv1d (Conv1D)                              (None, 96, 32)       2,592"), after);
        assertTrue(after.contains(" Total params: 163,137 (637.25 KB)"), after);
    }

    @Test
    void branchingModelsShowConnectionsAndNonTrainableParams() {
        Kiln.setFloatx(DType.FLOAT64);
        var a = Input.of(4);
        var b = Input.of(3);
        var joined = new Concatenate().apply(new Dense(2).apply(a), b);
        var model = new Model(List.of(a, b), new BatchNormalization().apply(joined));
        String table = print(model);
        String expected = String.join("\n",
                "Model: \"functional\"",
                "______________________________________________________________________________________________",
                " Layer (type)                                Output Shape    Param #    Connected to",
                "==============================================================================================",
                " input_layer (InputLayer)                    (None, 4)             0    -",
                "",
                " input_layer_1 (InputLayer)                  (None, 3)             0    -",
                "",
                " dense (Dense)                               (None, 2)            10    input_layer[0][0]",
                "",
                " concatenate (Concatenate)                   (None, 5)             0    dense[0][0]",
                "                                                                        input_layer_1[0][0]",
                "",
                " batch_normalization (BatchNormalization)    (None, 5)            20    concatenate[0][0]",
                "==============================================================================================",
                " Total params: 30 (240.00 B)",
                " Trainable params: 20 (160.00 B)",
                " Non-trainable params: 10 (80.00 B)",
                "______________________________________________________________________________________________",
                "");
        assertEquals(expected, table);
    }

    @Test
    void summaryLogsAtInfo() {
        var logger = (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(Model.class);
        var appender = new ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent>();
        appender.start();
        logger.addAppender(appender);
        var level = logger.getLevel();
        logger.setLevel(ch.qos.logback.classic.Level.INFO);
        logger.setAdditive(false);   // keep the table out of the test log
        try {
            var model = imdbCnn(true);
            model.summary();
            assertEquals(1, appender.list.size());
            assertEquals(ch.qos.logback.classic.Level.INFO, appender.list.get(0).getLevel());
            assertEquals(print(model).stripTrailing(), appender.list.get(0).getFormattedMessage());
        } finally {
            logger.detachAppender(appender);
            logger.setLevel(level);
            logger.setAdditive(true);
        }
    }
}
