package dev.kiln.data;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;

/**
 * Fetches a file once into a cache folder: into a temporary file beside the target, with a progress bar on
 * stderr and a sha256 check, then an atomic rename. A failed or mismatching download leaves nothing behind, so
 * the target either does not exist or is complete and verified.
 */
final class Downloads {

    private static final long PROGRESS_INTERVAL_NANOS = 200_000_000L;

    private Downloads() {}

    /** Downloads {@code uri} to {@code target}; throws IOException when offline or when the server fails. */
    static void download(URI uri, Path target, String sha256, PrintStream progress) throws IOException {
        Files.createDirectories(target.toAbsolutePath().getParent());
        var client = HttpClient.newBuilder()
                .followRedirects(HttpClient.Redirect.NORMAL)
                .connectTimeout(Duration.ofSeconds(20))
                .build();
        var request = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(60)).GET().build();
        HttpResponse<InputStream> response;
        try {
            response = client.send(request, HttpResponse.BodyHandlers.ofInputStream());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("Interrupted while connecting to " + uri, e);
        }
        Path tmp = Files.createTempFile(target.toAbsolutePath().getParent(), target.getFileName().toString(), ".part");
        try (InputStream body = response.body()) {
            if (response.statusCode() != 200) throw new IOException("HTTP " + response.statusCode() + " from " + uri);
            long total = response.headers().firstValueAsLong("Content-Length").orElse(-1);
            MessageDigest digest = sha256();
            try (OutputStream out = Files.newOutputStream(tmp)) {
                copy(body, out, digest, total, target.getFileName().toString(), progress);
            }
            String actual = HexFormat.of().formatHex(digest.digest());
            if (!actual.equalsIgnoreCase(sha256)) {
                throw new DataFileException("The download of " + uri + " is corrupt: its sha256 is " + actual + ", expected " + sha256
                        + ". Nothing was kept; try again, or download it yourself and point Kiln at the file.");
            }
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    private static void copy(InputStream in, OutputStream out, MessageDigest digest, long total, String name, PrintStream progress)
            throws IOException {
        byte[] buffer = new byte[1 << 16];
        long done = 0;
        long start = System.nanoTime();
        long lastShown = 0;
        for (int n; (n = in.read(buffer)) > 0; ) {
            out.write(buffer, 0, n);
            digest.update(buffer, 0, n);
            done += n;
            long now = System.nanoTime();
            if (now - lastShown > PROGRESS_INTERVAL_NANOS) {
                progress.print("\r" + progressLine(name, done, total, now - start));
                lastShown = now;
            }
        }
        progress.println("\r" + progressLine(name, done, total, System.nanoTime() - start));
        if (total >= 0 && done != total) throw new IOException("The connection closed after " + done + " of " + total + " bytes");
    }

    /** {@code Downloading aclImdb_v1.tar.gz [=====>        ] 42% 35.2/84.1 MB 6.3 MB/s}. */
    static String progressLine(String name, long done, long total, long elapsedNanos) {
        double mb = 1e6;
        double rate = elapsedNanos > 0 ? done / mb / (elapsedNanos / 1e9) : 0;
        if (total <= 0) return String.format("Downloading %s %.1f MB %.1f MB/s", name, done / mb, rate);
        int width = 30;
        int filled = (int) (width * done / total);
        String bar = "=".repeat(filled) + (filled < width ? ">" + " ".repeat(width - filled - 1) : "");
        return String.format("Downloading %s [%s] %3d%% %.1f/%.1f MB %.1f MB/s", name, bar, 100 * done / total, done / mb, total / mb, rate);
    }

    /** The sha256 of a file, in lower-case hex. */
    static String sha256(Path file) throws IOException {
        MessageDigest digest = sha256();
        try (InputStream in = Files.newInputStream(file)) {
            byte[] buffer = new byte[1 << 16];
            for (int n; (n = in.read(buffer)) > 0; ) digest.update(buffer, 0, n);
        }
        return HexFormat.of().formatHex(digest.digest());
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("This JVM has no SHA-256", e);
        }
    }
}
