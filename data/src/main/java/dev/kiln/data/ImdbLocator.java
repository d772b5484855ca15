package dev.kiln.data;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds the IMDB files. Search order: the explicit data directory (and its {@code imdb/}), the shared data
 * folder from {@code -Dkiln.shared.data} then {@code KILN_DATA} (its {@code imdb/}, or itself), the cache folder's
 * {@code imdb/} ({@code -Dkiln.datasets}, {@code KILN_DATASETS}, else {@code ~/.kiln/datasets}), and last a
 * download of the original archive into the cache, unless {@code -Dkiln.offline=true} or {@code KILN_OFFLINE=1}.
 *
 * <p>In each folder it takes, first found: the TSV copy ({@code train.tsv.gz}), an {@code aclImdb} folder (the
 * folder itself or {@code aclImdb/} in it), or {@code aclImdb_v1.tar.gz}. The data directory may also be the
 * archive file itself.
 *
 * @param progress where the download's progress bar goes
 */
record ImdbLocator(Path dataDir, List<Path> sharedDirs, Path cacheDir, boolean download, Remote archive, Remote wordIndex,
                   PrintStream progress) {

    /** A file to download, and the sha256 it must have. */
    record Remote(URI uri, String sha256) {}

    static final String ARCHIVE_NAME = "aclImdb_v1.tar.gz";
    static final String WORD_INDEX_NAME = "imdb_word_index.json";
    private static final Logger LOG = LoggerFactory.getLogger(Imdb.class);

    /** The locator the settings of this process describe, with {@code dataDir} (may be null) searched first. */
    static ImdbLocator fromEnvironment(Path dataDir) {
        List<Path> shared = new ArrayList<>();
        for (String value : new String[] {System.getProperty("kiln.shared.data"), System.getenv("KILN_DATA")}) {
            if (value != null && !value.isBlank()) shared.add(Path.of(value));
        }
        String cache = firstSet(System.getProperty("kiln.datasets"), System.getenv("KILN_DATASETS"));
        Path cacheDir = cache != null ? Path.of(cache) : Path.of(System.getProperty("user.home"), ".kiln", "datasets");
        String offline = firstSet(System.getProperty("kiln.offline"), System.getenv("KILN_OFFLINE"));
        boolean download = offline == null || !List.of("true", "1", "yes").contains(offline.toLowerCase(Locale.ROOT));
        return new ImdbLocator(dataDir, List.copyOf(shared), cacheDir, download, new Remote(URI.create(Imdb.ARCHIVE_URL), Imdb.ARCHIVE_SHA256),
                new Remote(URI.create(Imdb.WORD_INDEX_URL), Imdb.WORD_INDEX_SHA256), System.err);
    }

    private static String firstSet(String... values) {
        for (String v : values) if (v != null && !v.isBlank()) return v;
        return null;
    }

    /** The folders searched before the cache, in order. */
    List<Path> searchDirs() {
        List<Path> dirs = new ArrayList<>();
        if (dataDir != null) {
            dirs.add(dataDir);
            dirs.add(dataDir.resolve("imdb"));
        }
        for (Path shared : sharedDirs) {
            dirs.add(shared.resolve("imdb"));
            dirs.add(shared);
        }
        return dirs;
    }

    private Path cachedFile(String name) { return cacheDir.resolve("imdb").resolve(name); }

    /** The reviews of both splits in Keras's storage order, from the first place that has them. */
    Imdb.RawData readReviews() {
        List<String> looked = new ArrayList<>();
        for (Path place : searchDirs()) {
            Imdb.RawData found = readIfPresent(place);
            if (found != null) return found;
            looked.add(place + (Files.exists(place) ? " (no train.tsv.gz, aclImdb/ or " + ARCHIVE_NAME + ")" : " (absent)"));
        }
        Path cached = cachedFile(ARCHIVE_NAME);
        if (Files.isRegularFile(cached)) {
            verify(cached, archive.sha256());
            LOG.info("Reading IMDB from {}", cached);
            return ImdbFiles.readArchive(cached);
        }
        looked.add(cached + " (absent)");
        String downloadFailure = "downloads are off (kiln.offline / KILN_OFFLINE)";
        if (download) {
            try {
                Downloads.download(archive.uri(), cached, archive.sha256(), progress);
                return ImdbFiles.readArchive(cached);
            } catch (IOException e) {
                downloadFailure = "downloading " + archive.uri() + " failed: " + e;
            }
        }
        throw new DataFileException("The IMDB reviews were not found. Looked in:\n  " + String.join("\n  ", looked)
                + "\nand " + downloadFailure + ".\nTo use a copy on disk, pass its folder as the data directory (--data DIR,"
                + " Imdb.Options.withDataDir): a folder with aclImdb/, " + ARCHIVE_NAME + " or the train.tsv.gz copy; or set KILN_DATA"
                + " (or -Dkiln.shared.data) to a folder holding imdb/; or put " + ARCHIVE_NAME + " from " + archive.uri()
                + " (sha256 " + archive.sha256() + ") into " + cached.getParent() + ".");
    }

    private Imdb.RawData readIfPresent(Path place) {
        String name = place.getFileName() == null ? "" : place.getFileName().toString();
        if (Files.isRegularFile(place) && (name.endsWith(".tar.gz") || name.endsWith(".tgz"))) return read(place, ImdbFiles::readArchive);
        if (!Files.isDirectory(place)) return null;
        if (ImdbFiles.isTsvCopy(place)) return read(place, ImdbFiles::readTsv);
        if (ImdbFiles.isFolder(place)) return read(place, ImdbFiles::readFolder);
        if (ImdbFiles.isFolder(place.resolve("aclImdb"))) return read(place.resolve("aclImdb"), ImdbFiles::readFolder);
        if (Files.isRegularFile(place.resolve(ARCHIVE_NAME))) return read(place.resolve(ARCHIVE_NAME), ImdbFiles::readArchive);
        return null;
    }

    private static Imdb.RawData read(Path source, Function<Path, Imdb.RawData> reader) {
        LOG.info("Reading IMDB from {}", source);
        return reader.apply(source);
    }

    /**
     * Keras's word index (word → frequency rank from 1), from the first of: the search folders, Keras's own cache
     * {@code ~/.keras/datasets}, this cache, or a download from Keras's storage into this cache.
     */
    Map<String, Integer> readWordIndex() {
        List<Path> candidates = new ArrayList<>();
        for (Path dir : searchDirs()) candidates.add((Files.isRegularFile(dir) ? dir.toAbsolutePath().getParent() : dir).resolve(WORD_INDEX_NAME));
        candidates.add(Path.of(System.getProperty("user.home"), ".keras", "datasets", WORD_INDEX_NAME));
        for (Path file : candidates) if (Files.isRegularFile(file)) return parseWordIndex(file);
        Path cached = cachedFile(WORD_INDEX_NAME);
        if (Files.isRegularFile(cached)) {
            verify(cached, wordIndex.sha256());
            return parseWordIndex(cached);
        }
        candidates.add(cached);
        String downloadFailure = "downloads are off (kiln.offline / KILN_OFFLINE)";
        if (download) {
            try {
                Downloads.download(wordIndex.uri(), cached, wordIndex.sha256(), progress);
                return parseWordIndex(cached);
            } catch (IOException e) {
                downloadFailure = "downloading " + wordIndex.uri() + " failed: " + e;
            }
        }
        throw new DataFileException("Keras's IMDB word index (" + WORD_INDEX_NAME + ") was not found. Looked for:\n  "
                + String.join("\n  ", candidates.stream().map(Path::toString).toList()) + "\nand " + downloadFailure + ".\nIt cannot"
                + " be rebuilt from the reviews (Keras ordered words of equal frequency arbitrarily). Put it (sha256 "
                + wordIndex.sha256() + ", from " + wordIndex.uri() + ") next to the data or into " + cached.getParent() + ".");
    }

    static Map<String, Integer> parseWordIndex(Path file) {
        Map<String, Integer> index;
        try {
            index = new ObjectMapper().readValue(file.toFile(), new TypeReference<LinkedHashMap<String, Integer>>() {});
        } catch (IOException e) {
            throw new DataFileException("The word index " + file + " is not a JSON object of word → rank (" + e.getMessage()
                    + "). Replace it with Keras's " + WORD_INDEX_NAME + ".", e);
        }
        index.forEach((word, rank) -> {
            if (rank == null || rank < 1) throw new DataFileException("The word index " + file + " gives '" + word + "' the rank " + rank + "; ranks start at 1");
        });
        return index;
    }

    private static void verify(Path file, String sha256) {
        String actual;
        try {
            actual = Downloads.sha256(file);
        } catch (IOException e) {
            throw new DataFileException("Cannot read " + file + ": " + e, e);
        }
        if (!actual.equalsIgnoreCase(sha256)) {
            throw new DataFileException("The cached file " + file + " is corrupt: its sha256 is " + actual + ", expected " + sha256
                    + ". Delete it and it will be downloaded again.");
        }
    }
}
