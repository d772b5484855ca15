package dev.kiln.models;

import dev.kiln.core.DType;
import dev.kiln.core.Shape;
import dev.kiln.core.Tensor;
import dev.kiln.layers.InputLayer;
import dev.kiln.layers.Layer;
import dev.kiln.layers.Node;
import dev.kiln.layers.SymbolicTensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * Renders Keras's {@code model.summary()}: one row per layer with its name and type, output shape and parameter
 * count (and, for a graph that is not a chain, the layers it is connected to), then the parameter totals with
 * their memory size. ASCII only, so that it reads the same in every console and log.
 */
final class Summary {

    private Summary() {}

    static String render(Model model) {
        boolean chain = isChain(model);
        var header = new ArrayList<>(List.of("Layer (type)", "Output Shape", "Param #"));
        if (!chain) header.add("Connected to");
        var rows = new ArrayList<List<List<String>>>();   // row → cell → lines
        for (Layer layer : model.layers()) {
            if (model instanceof Sequential && layer instanceof InputLayer) continue;
            var row = new ArrayList<List<String>>();
            row.add(List.of(layer.name() + " (" + layer.kerasClassName() + ")"));
            row.add(List.of(outputShape(model, layer)));
            row.add(List.of(layer.built() ? String.format(Locale.ROOT, "%,d", layer.countParams()) : "0 (unbuilt)"));
            if (!chain) row.add(connections(model, layer));
            rows.add(row);
        }
        int[] widths = new int[header.size()];
        for (int c = 0; c < widths.length; c++) widths[c] = header.get(c).length();
        for (var row : rows) for (int c = 0; c < widths.length; c++) for (String line : row.get(c)) widths[c] = Math.max(widths[c], line.length());
        int total = Arrays.stream(widths).sum() + 4 * widths.length;
        var out = new StringBuilder();
        out.append("Model: \"").append(model.name()).append("\"\n");
        out.append("_".repeat(total)).append('\n');
        out.append(line(header.stream().map(List::of).toList(), widths, 0)).append('\n');
        out.append("=".repeat(total)).append('\n');
        for (int r = 0; r < rows.size(); r++) {
            var row = rows.get(r);
            int height = row.stream().mapToInt(List::size).max().orElse(1);
            for (int k = 0; k < height; k++) out.append(line(row, widths, k)).append('\n');
            if (!chain && r < rows.size() - 1) out.append('\n');
        }
        out.append("=".repeat(total)).append('\n');
        List<Tensor> all = model.weights();
        out.append(" Total params: ").append(count(all)).append('\n');
        out.append(" Trainable params: ").append(count(model.trainableWeights())).append('\n');
        out.append(" Non-trainable params: ").append(count(model.nonTrainableWeights())).append('\n');
        out.append("_".repeat(total));
        return out.toString();
    }

    private static String line(List<List<String>> cells, int[] widths, int k) {
        var sb = new StringBuilder(" ");
        for (int c = 0; c < cells.size(); c++) {
            String text = k < cells.get(c).size() ? cells.get(c).get(k) : "";
            boolean rightAligned = c == 2;   // counts line up on their last digit, as Keras prints them
            sb.append(rightAligned ? " ".repeat(widths[c] - text.length()) + text : text + " ".repeat(widths[c] - text.length()));
            sb.append("    ");
        }
        return sb.toString().stripTrailing();
    }

    /** "163,137 (637.25 KB)": elements and their memory at each weight's dtype size. */
    private static String count(List<Tensor> weights) {
        long n = 0;
        double bytes = 0;
        for (Tensor w : weights) {
            long size = w.shape().size();
            n += size;
            bytes += size * (w.dtype() == DType.FLOAT64 || w.dtype() == DType.INT64 ? 8 : 4);
        }
        return String.format(Locale.ROOT, "%,d (%s)", n, readableSize(bytes));
    }

    /** Keras's readable_memory_size: 1024-based units, two decimals. */
    static String readableSize(double bytes) {
        String[] units = {"B", "KB", "MB", "GB", "TB", "PB"};
        for (String unit : units) {
            if (bytes / 1024 < 1) return String.format(Locale.ROOT, "%.2f %s", bytes, unit);
            bytes /= 1024;
        }
        return String.format(Locale.ROOT, "%.2f %s", bytes, units[units.length - 1]);
    }

    private static String outputShape(Model model, Layer layer) {
        if (layer instanceof InputLayer input) return tuple(input.output().shape());
        for (Node node : model.nodes()) {
            if (node.layer() == layer) {
                List<String> shapes = node.outputs().stream().map(t -> tuple(t.shape())).toList();
                return shapes.size() == 1 ? shapes.get(0) : shapes.stream().collect(Collectors.joining(", ", "[", "]"));
            }
        }
        return "?";
    }

    /** Keras prints shapes as Python tuples: (None, 100, 16). */
    static String tuple(Shape shape) {
        String inner = Arrays.stream(shape.dims()).mapToObj(d -> d == Shape.UNKNOWN ? "None" : Long.toString(d))
                .collect(Collectors.joining(", "));
        return "(" + inner + (shape.rank() == 1 ? ",)" : ")");
    }

    private static List<String> connections(Model model, Layer layer) {
        var lines = new ArrayList<String>();
        for (Node node : model.nodes()) {
            if (node.layer() != layer) continue;
            for (SymbolicTensor in : node.inputs()) lines.add(in.layer().name() + "[" + in.node().index() + "][" + in.index() + "]");
        }
        return lines.isEmpty() ? List.of("-") : lines;
    }

    /** A chain: one input, one output, every node fed by the one before it and every layer used once. */
    private static boolean isChain(Model model) {
        if (model instanceof Sequential) return true;
        if (model.inputs().size() != 1 || model.outputs().size() != 1) return false;
        SymbolicTensor previous = model.inputs().get(0);
        var seen = new ArrayList<Layer>();
        for (Node node : model.nodes()) {
            if (node.inputs().size() != 1 || node.outputs().size() != 1 || node.inputs().get(0) != previous) return false;
            if (seen.stream().anyMatch(l -> l == node.layer())) return false;
            seen.add(node.layer());
            previous = node.outputs().get(0);
        }
        return true;
    }
}
