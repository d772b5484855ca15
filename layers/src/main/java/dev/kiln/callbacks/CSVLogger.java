package dev.kiln.callbacks;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Writes one CSV row per epoch ({@code epoch,loss,accuracy,val_loss,...}), as Keras's CSVLogger. With
 * {@code append} a resumed run adds to an existing file without repeating the header. Each row is flushed, so a
 * crash loses at most the epoch in progress.
 */
public final class CSVLogger implements Callback {

    private final Path file;
    private final String separator;
    private final boolean append;
    private BufferedWriter writer;
    private List<String> keys;

    public CSVLogger(Path file) { this(file, ",", false); }

    public CSVLogger(Path file, String separator, boolean append) {
        this.file = file;
        this.separator = separator;
        this.append = append;
    }

    @Override
    public void onTrainBegin(Logs logs) {
        try {
            boolean continuing = append && Files.exists(file) && Files.size(file) > 0;
            writer = Files.newBufferedWriter(file, StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                    continuing ? StandardOpenOption.APPEND : StandardOpenOption.TRUNCATE_EXISTING);
            keys = continuing ? headerOf(file) : null;
        } catch (IOException e) {
            throw new UncheckedIOException("CSVLogger cannot open " + file, e);
        }
    }

    private List<String> headerOf(Path path) throws IOException {
        try (var lines = Files.lines(path, StandardCharsets.UTF_8)) {
            String header = lines.findFirst().orElse("");
            var names = new ArrayList<>(List.of(header.split(java.util.regex.Pattern.quote(separator))));
            names.remove("epoch");
            return names;
        }
    }

    @Override
    public void onEpochEnd(int epoch, Logs logs) {
        try {
            if (keys == null) {
                keys = new ArrayList<>(logs.asMap().keySet());
                writer.write("epoch" + separator + String.join(separator, keys));
                writer.newLine();
            }
            var row = new StringBuilder(Integer.toString(epoch));
            for (String key : keys) row.append(separator).append(logs.has(key) ? String.format(Locale.ROOT, "%s", logs.get(key)) : "NA");
            writer.write(row.toString());
            writer.newLine();
            writer.flush();
        } catch (IOException e) {
            throw new UncheckedIOException("CSVLogger cannot write " + file, e);
        }
    }

    @Override
    public void onTrainEnd(Logs logs) {
        try {
            if (writer != null) writer.close();
        } catch (IOException e) {
            throw new UncheckedIOException("CSVLogger cannot close " + file, e);
        } finally {
            writer = null;
        }
    }
}
