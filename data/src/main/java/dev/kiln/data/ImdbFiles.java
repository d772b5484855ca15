package dev.kiln.data;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;

/**
 * Reads the labelled IMDB reviews from the three layouts: the {@code aclImdb} folder, {@code aclImdb_v1.tar.gz},
 * and the TSV copy of {@code shared/data/imdb} (README there). Every reader returns both splits in Keras's
 * storage order: the {@code pos} files sorted by name as strings, then the {@code neg} files sorted the same way.
 *
 * <p>A file is read completely, its gzip checksum checked and its text decoded strictly as UTF-8 before any of it
 * is returned, so a truncated or corrupt file fails with a {@link DataFileException} and is never half-used.
 */
final class ImdbFiles {

    /** A labelled review's path inside aclImdb, such as {@code train/pos/576_10.txt} ([id]_[rating].txt). */
    private static final Pattern REVIEW = Pattern.compile("(?:.*/)?((train|test)/(pos|neg)/\\d+_\\d+\\.txt)");

    private ImdbFiles() {}

    /** Whether {@code dir} is an aclImdb root: it has train/pos, train/neg, test/pos and test/neg. */
    static boolean isFolder(Path dir) {
        return Stream.of("train/pos", "train/neg", "test/pos", "test/neg").allMatch(p -> Files.isDirectory(dir.resolve(p)));
    }

    /** Whether {@code dir} holds the TSV copy. */
    static boolean isTsvCopy(Path dir) {
        return Stream.of("train.tsv.gz", "test.tsv.gz").allMatch(p -> Files.isRegularFile(dir.resolve(p)));
    }

    static Imdb.RawData readFolder(Path root) {
        var reviews = new Collected(root);
        for (String split : List.of("train", "test")) {
            for (String label : List.of("pos", "neg")) {
                try (Stream<Path> files = Files.list(root.resolve(split).resolve(label))) {
                    for (Path file : (Iterable<Path>) files::iterator) {
                        String relative = split + "/" + label + "/" + file.getFileName();
                        if (REVIEW.matcher(relative).matches()) reviews.add(relative, decode(Files.readAllBytes(file), root.resolve(relative)));
                    }
                } catch (IOException e) {
                    throw new DataFileException("Cannot read the IMDB folder " + root + ": " + e, e);
                }
            }
        }
        return reviews.inStorageOrder();
    }

    static Imdb.RawData readArchive(Path archive) {
        var reviews = new Collected(archive);
        try (InputStream file = Files.newInputStream(archive);
             var gzip = new GZIPInputStream(new BufferedInputStream(file, 1 << 16), 1 << 16);
             var tar = new TarArchiveInputStream(gzip)) {
            for (TarArchiveEntry entry; (entry = tar.getNextEntry()) != null; ) {
                Matcher m = REVIEW.matcher(entry.getName());
                if (entry.isFile() && m.matches()) reviews.add(m.group(1), decode(tar.readAllBytes(), archive.resolve(entry.getName())));
            }
            gzip.transferTo(OutputStream.nullOutputStream());   // read to the gzip trailer, whose CRC-32 and length are checked
        } catch (IOException e) {
            throw new DataFileException("The IMDB archive " + archive + " is truncated or corrupt (" + e.getMessage() + "). Delete it and"
                    + " download " + Imdb.ARCHIVE_URL + " again (sha256 " + Imdb.ARCHIVE_SHA256 + ").", e);
        }
        return reviews.inStorageOrder();
    }

    /** The TSV copy: train.tsv.gz / test.tsv.gz rows ({@code label<TAB>text}) and the file names in *.files.txt.gz. */
    static Imdb.RawData readTsv(Path dir) {
        var reviews = new Collected(dir);
        for (String split : List.of("train", "test")) {
            Path tsv = dir.resolve(split + ".tsv.gz");
            Path names = dir.resolve(split + ".files.txt.gz");
            List<String> rows = lines(tsv);
            List<String> files = lines(names);
            if (files.size() != rows.size()) {
                throw new DataFileException(names + " names " + files.size() + " files but " + tsv + " has " + rows.size() + " rows");
            }
            for (int i = 0; i < rows.size(); i++) {
                String row = rows.get(i);
                int tab = row.indexOf('\t');
                String label = tab < 0 ? "" : row.substring(0, tab);
                if (!(label.equals("0") || label.equals("1")) || row.indexOf('\t', tab + 1) >= 0) {
                    throw new DataFileException(tsv + " line " + (i + 1) + " is not 'label<TAB>text' with label 0 or 1: "
                            + row.substring(0, Math.min(60, row.length())));
                }
                String file = files.get(i);
                Matcher m = REVIEW.matcher(file);
                if (!m.matches() || !m.group(2).equals(split) || m.group(3).equals("pos") != label.equals("1")) {
                    throw new DataFileException(names + " line " + (i + 1) + " ('" + file + "') does not match row " + (i + 1)
                            + " of " + tsv + " (split " + split + ", label " + label + ")");
                }
                reviews.add(file, row.substring(tab + 1));
            }
        }
        return reviews.inStorageOrder();
    }

    /** A gzip file's UTF-8 lines, split on LF only (reviews contain U+0085, which other readers treat as a break). */
    private static List<String> lines(Path gz) {
        if (!Files.isRegularFile(gz)) throw new DataFileException("Missing file " + gz);
        byte[] bytes;
        try (var in = new GZIPInputStream(new BufferedInputStream(Files.newInputStream(gz), 1 << 16), 1 << 16)) {
            bytes = in.readAllBytes();
        } catch (IOException e) {
            throw new DataFileException(gz + " is truncated or corrupt (" + e.getMessage() + "). Replace it with a good copy.", e);
        }
        String text = decode(bytes, gz);
        if (!text.isEmpty() && !text.endsWith("\n")) throw new DataFileException(gz + " does not end with a line break: it is truncated");
        List<String> lines = new ArrayList<>();
        for (int start = 0, end; start < text.length(); start = end + 1) {
            end = text.indexOf('\n', start);
            lines.add(text.substring(start, end));
        }
        return lines;
    }

    private static String decode(byte[] bytes, Path source) {
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes))
                    .toString();
        } catch (CharacterCodingException e) {
            throw new DataFileException(source + " is not valid UTF-8 (" + e + "): the file is corrupt", e);
        }
    }

    /** Reviews gathered by their aclImdb path, put in storage order once all are read. */
    private static final class Collected {
        private final Path source;
        private final Map<String, Map<String, String>> bySplit = Map.of("train", new TreeMap<>(), "test", new TreeMap<>());

        Collected(Path source) { this.source = source; }

        void add(String path, String text) {
            Matcher m = REVIEW.matcher(path);
            if (!m.matches()) throw new IllegalArgumentException("Not a review path: " + path);
            if (bySplit.get(m.group(2)).put(path, text) != null) throw new DataFileException(source + " holds " + path + " twice");
        }

        Imdb.RawData inStorageOrder() { return new Imdb.RawData(split("train"), split("test")); }

        private Imdb.Reviews split(String split) {
            List<String> texts = new ArrayList<>();
            List<String> files = new ArrayList<>();
            List<Integer> labels = new ArrayList<>();
            for (String label : List.of("pos", "neg")) {
                String folder = split + "/" + label + "/";
                int before = files.size();
                // Keras sorts the bare file names as strings; within one folder that is the order of the whole paths.
                bySplit.get(split).forEach((path, text) -> {
                    if (path.startsWith(folder)) {
                        files.add(path);
                        texts.add(text);
                        labels.add(label.equals("pos") ? 1 : 0);
                    }
                });
                if (files.size() == before) {
                    throw new DataFileException(source + " has no reviews in " + folder + ": it is incomplete. Expected the"
                            + " folders train/pos, train/neg, test/pos and test/neg of aclImdb.");
                }
            }
            return new Imdb.Reviews(texts, labels.stream().mapToInt(Integer::intValue).toArray(), files);
        }
    }
}
