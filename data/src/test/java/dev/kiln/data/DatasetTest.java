package dev.kiln.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.core.DType;
import dev.kiln.core.MemoryScope;
import dev.kiln.core.Tensor;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Random;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class DatasetTest {

    /** N samples: feature row i is [i, 100 + i] (float32), label i is 1000 + i. */
    private static Dataset numbered(int n) {
        float[] x = new float[2 * n];
        float[] y = new float[n];
        for (int i = 0; i < n; i++) {
            x[2 * i] = i;
            x[2 * i + 1] = 100 + i;
            y[i] = 1000 + i;
        }
        return Dataset.of(Tensor.of(x, n, 2), Tensor.of(y, n, 1));
    }

    /** The sample ids of a batch, read from its first feature column, checking labels stay aligned. */
    private static List<Integer> ids(Batch batch) {
        float[] x = batch.input().toFloatArray();
        float[] y = batch.labels().toFloatArray();
        List<Integer> ids = new ArrayList<>();
        for (int r = 0; r < batch.size(); r++) {
            int id = (int) x[2 * r];
            assertEquals(100 + id, x[2 * r + 1], "feature row " + r + " is not whole");
            assertEquals(1000 + id, y[r], "label of sample " + id + " is misaligned");
            ids.add(id);
        }
        return ids;
    }

    private static List<Integer> epoch(Iterable<Batch> batches) {
        List<Integer> all = new ArrayList<>();
        for (Batch b : batches) all.addAll(ids(b));
        return all;
    }

    @Test
    void inOrderBatchesIncludeTheRemainder() {
        var data = numbered(10);
        var batches = data.batches(4);
        assertEquals(3, batches.count());
        assertEquals(3, data.batchCount(4));
        List<Integer> sizes = new ArrayList<>();
        List<Integer> indices = new ArrayList<>();
        for (Batch b : batches) {
            sizes.add(b.size());
            indices.add(b.index());
        }
        assertEquals(List.of(4, 4, 2), sizes);
        assertEquals(List.of(0, 1, 2), indices);
        assertEquals(IntStream.range(0, 10).boxed().toList(), epoch(batches));
    }

    @Test
    void shuffleIsAPermutationFromJavaUtilRandom() {
        var data = numbered(23);
        var order = epoch(data.batches(5, true, 42));
        List<Integer> expected = new ArrayList<>(IntStream.range(0, 23).boxed().toList());
        Collections.shuffle(expected, new Random(42));
        assertEquals(expected, order);
    }

    @Test
    void sameSeedSameOrderDifferentSeedsDiffer() {
        var data = numbered(50);
        var a = epoch(data.batches(8, true, 7));
        var b = epoch(data.batches(8, true, 7));
        var c = epoch(data.batches(8, true, 8));
        assertEquals(a, b);
        assertNotEquals(a, c);
        assertNotEquals(IntStream.range(0, 50).boxed().toList(), a);
        var batches = data.batches(8, true, 9);
        assertEquals(epoch(batches), epoch(batches), "iterating the same Batches twice repeats its order");
    }

    @Test
    void prefetchDeliversEverySampleExactlyOncePerEpoch() {
        var data = numbered(103).withPrefetch(3);
        for (long seed = 0; seed < 3; seed++) {
            var order = epoch(data.batches(10, true, seed));
            assertEquals(103, order.size());
            assertEquals(IntStream.range(0, 103).boxed().toList(), order.stream().sorted().toList());
        }
        var synchronous = epoch(numbered(103).withPrefetch(0).batches(10, true, 5));
        assertEquals(epoch(data.batches(10, true, 5)), synchronous, "prefetch does not change the order");
    }

    @Test
    void prefetchPreparesBatchesAheadOfTheConsumer() throws InterruptedException {
        var it = numbered(40).withPrefetch(3).batches(4).iterator();
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (it.prepared() < 3 && System.nanoTime() < deadline) Thread.sleep(5);
        assertEquals(3, it.prepared(), "three batches wait before the consumer asks for any");
        it.close();
    }

    @Test
    void severalInputsAndSampleWeightsStayAligned() {
        var inputs = new LinkedHashMap<String, Tensor>();
        inputs.put("tokens", Tensor.of(IntStream.range(0, 7).toArray(), 7, 1));
        inputs.put("position", Tensor.of(IntStream.range(0, 7).map(i -> 10 * i).toArray(), 7, 1));
        var data = Dataset.of(inputs, Tensor.of(new float[] {0, 1, 2, 3, 4, 5, 6}, 7))
                .withSampleWeights(Tensor.of(new float[] {0, .5f, 1, 1.5f, 2, 2.5f, 3}, 7));
        assertEquals(List.of("tokens", "position"), data.inputNames());
        int seen = 0;
        for (Batch b : data.batches(3, true, 1)) {
            int[] tokens = b.inputs().get(0).toIntArray();
            int[] positions = b.inputs().get(1).toIntArray();
            float[] labels = b.labels().toFloatArray();
            float[] weights = b.sampleWeights().toFloatArray();
            for (int r = 0; r < b.size(); r++) {
                assertEquals(10 * tokens[r], positions[r]);
                assertEquals(tokens[r], labels[r]);
                assertEquals(tokens[r] / 2f, weights[r]);
            }
            seen += b.size();
            assertThrows(IllegalStateException.class, b::input);
        }
        assertEquals(7, seen);
    }

    @Test
    void predictionDataHasNoLabels() {
        var data = Dataset.of(Tensor.of(new float[] {1, 2, 3}, 3, 1), null);
        for (Batch b : data.batches(2)) {
            assertNull(b.labels());
            assertNull(b.sampleWeights());
            assertEquals(1, b.tensors().length);
        }
    }

    @Test
    void batchesAreFreshCopiesTheConsumerMayFree() {
        var data = numbered(6);
        for (Batch b : data.batches(4)) {
            assertNotSame(data.features().get(0), b.input());
            try (var step = MemoryScope.open()) {
                MemoryScope.adopt(b.tensors());       // what a trainer does: freed when its step ends
            }
        }
        assertEquals(IntStream.range(0, 6).boxed().toList(), epoch(data.batches(4)), "freeing batches leaves the data intact");
    }

    @Test
    void takeSkipAndSplitKeepOrder() {
        var data = numbered(10);
        assertEquals(List.of(0, 1, 2), epoch(data.take(3).batches(10)));
        assertEquals(List.of(7, 8, 9), epoch(data.skip(7).batches(10)));
        assertSame(data, data.take(10));
        assertSame(data, data.skip(0));
        var split = data.split(0.25);
        assertEquals(2, split.first().size());
        assertEquals(8, split.second().size());
        assertEquals(List.of(2, 3, 4, 5, 6, 7, 8, 9), epoch(split.second().batches(3)));
    }

    @Test
    void splitLastHoldsOutTheLastFractionAsKerasValidationSplit() {
        var split = numbered(10).splitLast(0.2);
        assertEquals(List.of(0, 1, 2, 3, 4, 5, 6, 7), epoch(split.first().batches(3)));
        assertEquals(List.of(8, 9), epoch(split.second().batches(3)));
        var big = Dataset.of(Tensor.zeros(dev.kiln.core.Shape.of(25_000, 1), DType.INT32), null).splitLast(0.2);
        assertEquals(20_000, big.first().size());
        assertEquals(5_000, big.second().size());
        var e = assertThrows(IllegalArgumentException.class, () -> numbered(3).splitLast(0.9));   // floor(3 · 0.1) = 0 left to train
        assertTrue(e.getMessage().contains("3 samples"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> numbered(3).splitLast(0));
    }

    @Test
    void mapTransformsEachBatchOnThePrefetchThread() {
        var threads = Collections.synchronizedList(new ArrayList<String>());
        var data = numbered(9).map(b -> {
            threads.add(Thread.currentThread().getName());
            return b.withInputs(List.of(b.input().mul(2.0)));
        }).map(b -> b.withLabels(b.labels().add(1.0)));
        List<Float> firstColumn = new ArrayList<>();
        List<Float> labels = new ArrayList<>();
        for (Batch b : data.batches(4)) {
            float[] x = b.input().toFloatArray();
            for (int r = 0; r < b.size(); r++) firstColumn.add(x[2 * r]);
            for (float y : b.labels().toFloatArray()) labels.add(y);
        }
        assertEquals(IntStream.range(0, 9).mapToObj(i -> 2f * i).toList(), firstColumn);
        assertEquals(IntStream.range(0, 9).mapToObj(i -> 1001f + i).toList(), labels);
        assertEquals(3, threads.size());
        assertTrue(threads.stream().allMatch(t -> t.startsWith("kiln-prefetch-")), threads.toString());
        assertEquals(9, data.take(5).size() + data.skip(5).size(), "parts keep the transform");
        assertEquals(List.of(0f, 2f), firstColumnOf(data.take(2)));
    }

    @Test
    void mapMayReturnAViewOfTheBatchItFrees() {
        var data = numbered(5).map(b -> b.withLabels(b.labels().reshape(-1)));   // a view of the [B, 1] labels it replaces
        List<Float> labels = new ArrayList<>();
        for (Batch b : data.batches(2)) {
            assertEquals(1, b.labels().rank());
            for (float y : b.labels().toFloatArray()) labels.add(y);
        }
        assertEquals(List.of(1000f, 1001f, 1002f, 1003f, 1004f), labels);
    }

    private static List<Float> firstColumnOf(Dataset data) {
        List<Float> out = new ArrayList<>();
        for (Batch b : data.batches(10)) {
            float[] x = b.input().toFloatArray();
            for (int r = 0; r < b.size(); r++) out.add(x[2 * r]);
        }
        return out;
    }

    @Test
    void aFailureWhilePreparingReachesTheConsumerWithItsCause() {
        for (int prefetch : new int[] {0, 2}) {
            var data = numbered(10).withPrefetch(prefetch).map(b -> {
                if (b.index() == 1) throw new ArithmeticException("bad batch");
                return b;
            });
            var it = data.batches(4).iterator();
            assertEquals(0, it.next().index());
            var e = assertThrows(IllegalStateException.class, it::next);
            assertInstanceOf(ArithmeticException.class, e.getCause());
            assertTrue(e.getMessage().contains("batch 1"), e.getMessage());
            assertFalse(it.hasNext());
        }
    }

    @Test
    void closingAnAbandonedIterationStopsItsThread() throws InterruptedException {
        var it = numbered(1000).withPrefetch(2).batches(1).iterator();
        it.next();
        Thread producer = it.thread();
        it.close();
        producer.join(10_000);
        assertFalse(producer.isAlive());
        assertFalse(it.hasNext());
    }

    @Test
    void aDroppedIterationIsStoppedWhenCollected() {
        assertTimeoutPreemptively(Duration.ofSeconds(30), () -> {
            Thread producer = startAndAbandon(numbered(1000).withPrefetch(2));
            while (producer.isAlive()) {
                System.gc();
                producer.join(100);
            }
        });
    }

    /** Takes one batch and lets the iterator go out of reach; returns its blocked producer thread. */
    private static Thread startAndAbandon(Dataset data) {
        var it = data.batches(1).iterator();
        it.next();
        return it.thread();
    }

    @Test
    void mismatchedSampleCountsAreNamedInTheError() {
        var x = Tensor.of(new float[6], 3, 2);
        var e = assertThrows(IllegalArgumentException.class, () -> Dataset.of(x, Tensor.of(new float[4], 4, 1)));
        assertTrue(e.getMessage().contains("[3, 2]") && e.getMessage().contains("[4, 1]"), e.getMessage());
        var w = assertThrows(IllegalArgumentException.class, () -> Dataset.of(x, null).withSampleWeights(Tensor.of(new float[2], 2)));
        assertTrue(w.getMessage().contains("sampleWeights"), w.getMessage());
        assertThrows(IllegalArgumentException.class, () -> numbered(3).batches(0));
    }

    @Test
    void emptyPartsHaveNoBatches() {
        var none = numbered(4).skip(10);
        assertEquals(0, none.size());
        assertEquals(0, none.batches(2).count());
        assertFalse(none.batches(2).iterator().hasNext());
        assertEquals(List.of(), epoch(numbered(4).take(0).batches(3)));
    }
}
