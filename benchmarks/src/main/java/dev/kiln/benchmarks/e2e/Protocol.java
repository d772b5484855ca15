package dev.kiln.benchmarks.e2e;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.IntConsumer;
import java.util.function.Supplier;
import java.util.stream.IntStream;

/**
 * The measurement every framework follows; benchmarks/pytorch/e2e.py repeats it step for step.
 *
 * <ol>
 *   <li>Training throughput: a fresh model trains on the synthetic set's consecutive batches of the workload's
 *       size (cycling), untimed steps for at least {@code warmupSteps} steps and {@code warmupSeconds}
 *       seconds, then {@code chunks} timed chunks of
 *       {@code chunkSteps} steps. Rate = median of the chunks' samples/s.</li>
 *   <li>Inference throughput, same model: batches of {@code inferenceBatchSize} from the synthetic set,
 *       untimed for at least {@value #INFERENCE_WARMUP} batches and {@code warmupSeconds} seconds, then
 *       {@code chunks} timed chunks of {@code inferenceBatches}.</li>
 *   <li>Peak resident memory (VmHWM) at this point.</li>
 *   <li>With {@code accuracy}: a second fresh model trains {@code epochs} epochs on the IMDB training set in
 *       {@link Data#epochOrder} order (the last batch may be short), then predicts the test set; accuracy is the
 *       share of test reviews whose probability is on the label's side of 0.5.</li>
 * </ol>
 * Batches are converted to the framework's own arrays before timing starts, so the rates measure the model.
 */
public final class Protocol {

    static final int INFERENCE_WARMUP = 2;

    /** A framework's fresh model, with batches in the framework's own form {@code B}. */
    public interface Session<B> {

        /** Converts a batch: {@code tokens} [n, length] row-major, {@code labels} [n] of 0/1. */
        B batch(int[] tokens, int[] labels, int length);

        /** One optimizer step on the batch: forward, loss, backward, update. */
        void trainStep(B batch);

        /** The predicted probability of label 1 for each row of the batch, in inference mode (no dropout). */
        float[] predict(B batch);
    }

    private Protocol() {}

    public static <B> Result run(Trainer trainer, Workload workload, Options options, Data data,
                                 Supplier<? extends Session<B>> newSession) {
        Session<B> session = newSession.get();
        int batchSize = workload.batchSize();
        List<B> train = batches(session, data.synthetic(), batchSize,
                options.warmupSteps() + options.chunks() * options.chunkSteps());
        double[] trainChunks = time(options.warmupSteps(), options.warmupSeconds(), options.chunks(), options.chunkSteps(), batchSize,
                step -> session.trainStep(train.get(step % train.size())));
        List<B> inference = batches(session, data.synthetic(), options.inferenceBatchSize(),
                INFERENCE_WARMUP + options.chunks() * options.inferenceBatches());
        double[] inferenceChunks = time(INFERENCE_WARMUP, options.warmupSeconds(), options.chunks(), options.inferenceBatches(),
                options.inferenceBatchSize(), step -> session.predict(inference.get(step % inference.size())));
        double peakRss = Machine.peakRssMib();
        Double accuracy = options.accuracy() ? accuracy(newSession.get(), workload, options, data) : null;
        return new Result(trainer.framework(), trainer.version(), workload.id(), median(trainChunks),
                median(inferenceChunks), peakRss, accuracy, trainChunks, inferenceChunks);
    }

    /**
     * Runs untimed steps until at least {@code warmup} steps and {@code warmupSeconds} seconds have passed, then
     * returns the samples/s of each of {@code chunks} timed chunks.
     */
    static double[] time(int warmup, int warmupSeconds, int chunks, int chunkSteps, int batchSize, IntConsumer step) {
        int next = 0;
        long warmupEnd = System.nanoTime() + warmupSeconds * 1_000_000_000L;
        while (next < warmup || System.nanoTime() < warmupEnd) step.accept(next++);
        double[] rates = new double[chunks];
        for (int chunk = 0; chunk < chunks; chunk++) {
            long start = System.nanoTime();
            for (int i = 0; i < chunkSteps; i++) step.accept(next++);
            rates[chunk] = (double) chunkSteps * batchSize / ((System.nanoTime() - start) / 1e9);
        }
        return rates;
    }

    static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int middle = sorted.length / 2;
        return sorted.length % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
    }

    /** Up to {@code wanted} consecutive full batches of the set, fewer when the set holds fewer. */
    private static <B> List<B> batches(Session<B> session, Sequences set, int batchSize, int wanted) {
        int count = Math.min(wanted, set.count() / batchSize);
        if (count == 0) {
            throw new IllegalArgumentException("The data set holds " + set.count()
                    + " sequences, fewer than one batch of " + batchSize);
        }
        var batches = new ArrayList<B>(count);
        for (int b = 0; b < count; b++) {
            batches.add(batch(session, set, IntStream.range(b * batchSize, (b + 1) * batchSize).toArray()));
        }
        return batches;
    }

    private static <B> B batch(Session<B> session, Sequences set, int[] rows) {
        return session.batch(set.tokens(rows), set.labels(rows), set.length());
    }

    private static <B> double accuracy(Session<B> session, Workload workload, Options options, Data data) {
        for (int epoch = 0; epoch < options.epochs(); epoch++) {
            int[] order = data.epochOrder(epoch);
            for (int start = 0; start < order.length; start += workload.batchSize()) {
                int[] rows = Arrays.copyOfRange(order, start, Math.min(start + workload.batchSize(), order.length));
                session.trainStep(batch(session, data.imdbTrain(), rows));
            }
        }
        var test = data.imdbTest();
        int correct = 0;
        for (int start = 0; start < test.count(); start += options.inferenceBatchSize()) {
            int[] rows = IntStream.range(start, Math.min(start + options.inferenceBatchSize(), test.count())).toArray();
            float[] probabilities = session.predict(batch(session, test, rows));
            for (int i = 0; i < rows.length; i++) {
                if ((probabilities[i] > 0.5f ? 1 : 0) == test.labels()[rows[i]]) correct++;
            }
        }
        return (double) correct / test.count();
    }
}
