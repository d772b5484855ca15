/**
 * Saving and loading models: the whole model in one {@code .kiln} file ({@code model.save(path)},
 * {@code Model.load(path)}), the weights alone ({@code saveWeights} / {@code loadWeights}, matched by weight path),
 * and the architecture alone as JSON ({@code toJson()} / {@code Model.fromJson(json)}). Custom layers are made
 * loadable with {@link dev.kiln.saving.LayerRegistry#register(String, Class)}.
 *
 * <pre>{@code
 * model.save(Path.of("imdb.kiln"));
 * Model restored = Model.load(Path.of("imdb.kiln"));     // predicts bit-identically
 * }</pre>
 *
 * <h2>FORMAT</h2>
 *
 * A {@code .kiln} file is a zip archive (format version 1, {@link dev.kiln.saving.ModelFile#FORMAT_VERSION}):
 *
 * <pre>
 * metadata.json             {"format": "kiln", "format_version": 1, "contents": "model" | "weights",
 *                            "kiln_version": "0.1.0", "date_saved": "2026-01-31T12:00:00Z", "backend": "CPU",
 *                            "floatx": "float32", "dtype": "float32", "model": "Sequential 'sequential'"}
 *                            (+ "epoch": the last completed epoch, in a BackupAndRestore backup)
 * config.json               the architecture (absent in a weights-only file), see below
 * compile.json              when compiled: {"optimizer": {"class_name": "Adam", "config": {...}},
 *                            "losses": [{"class_name": "BinaryCrossentropy", "config": {...}}], "loss_weights": [1.0],
 *                            "metrics": [["accuracy"]]}  (one list of metric names per output)
 * optimizer.json            when compiled: {"name": "adam", "iterations": 120, "parameters": [{"path": "dense/kernel",
 *                            "slots": ["momentum", "velocity"]}, ...]}  (in the optimizer's parameter order)
 * weights/dense/kernel.npy  one NumPy array per weight, named by its path: layer names joined by '/', then the
 * weights/dense/bias.npy    Keras weight name (kernel, bias, embeddings, gamma, moving_mean, ...), in the order of
 * ...                       Model.weights()
 * optimizer/dense/kernel/momentum.npy   each optimizer slot, by its weight's path and the slot's Keras name
 * </pre>
 *
 * <p><b>Arrays</b> are NumPy {@code .npy} version 1.0, uncompressed in the zip: the 6 bytes {@code \x93NUMPY}, the
 * bytes 1 and 0, a little-endian uint16 header length, an ASCII header such as
 * {@code {'descr': '<f4', 'fortran_order': False, 'shape': (16, 1), }} padded with spaces to end in a newline at a
 * multiple of 64 bytes, then the values in C (row-major) order: {@code <f4} little-endian float32 or {@code <f8}
 * float64, the weight's own dtype. {@code numpy.load(zipfile.ZipFile("m.kiln").open("weights/dense/kernel.npy"))}
 * reads one. Kernels have Keras's layouts (Dense [in, units], Conv1D [kernel size, in, filters]).
 *
 * <p><b>config.json</b> is Keras-style: a layer is {@code {"class_name": "Dense", "config": {"name": "dense",
 * "trainable": true, "dtype": "float32", "units": 16, "activation": "relu", "use_bias": true,
 * "kernel_initializer": {"class_name": "VarianceScaling", "config": {"scale": 1.0, "mode": "fan_avg", ...}}, ...}}}:
 * the components of the layer's config record in snake_case, enums by Keras name, shapes as lists with null for
 * unknown, initializers, regularizers and constraints as {@code {"class_name", "config"}}. A Sequential's config has
 * {@code "layers"}, its InputLayer first. A functional model ({@code "class_name": "Functional"}) has
 * {@code "layers"}, each with {@code "inbound_nodes"} (one list of input references per call of the layer), and
 * {@code "input_layers"} and {@code "output_layers"}; a reference is {@code [layer name, node index, tensor index]}.
 * See {@link dev.kiln.saving.Serialization}.
 *
 * <p><b>Resuming.</b> A compiled model's file holds what training needs to go on exactly: {@code Model.load} gives
 * it back compiled, with its optimizer's iterations, slots and current learning rate, and {@code fit} with
 * {@code initialEpoch} (or the {@code BackupAndRestore} callback) continues as if never interrupted, given the same
 * {@code Kiln.seed} before {@code fit}. Metrics are rebuilt by name with Keras's defaults; compile settings Kiln
 * cannot rebuild (custom optimizers, losses or metric names) are left out with a warning.
 *
 * <p><b>Weights by path.</b> {@code loadWeights} matches weights by path. When none of the paths matches but the
 * file holds weights of the same shapes in the same order (the same architecture built again in one process, its
 * layers numbered on: {@code dense_2} for {@code dense}), they are loaded in order, with a warning.
 *
 * <p><b>Guarantees.</b> Writes are atomic: a temporary file in the target's folder is written, flushed and forced
 * to disk, then renamed over the target, so a crash leaves the previous file intact. Loading checks the format
 * version, each entry's CRC and each weight's presence and shape, reads everything before it changes anything, and
 * reports a truncated or corrupt file, a newer format version, an unknown layer class, and missing, extra or
 * mis-shaped weights (all of them) each with its own message ({@link dev.kiln.saving.ModelFileException}).
 */
package dev.kiln.saving;
