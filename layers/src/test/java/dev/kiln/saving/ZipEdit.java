package dev.kiln.saving;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.function.BiFunction;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;

/** Rewrites a saved file entry by entry, to make the damaged or foreign files that loading must reject. */
final class ZipEdit {

    /** An entry's new name and bytes; a null name drops the entry. */
    record Entry(String name, byte[] bytes) {}

    private ZipEdit() {}

    static void rewrite(Path path, BiFunction<String, byte[], Entry> edit) throws IOException {
        Path edited = path.resolveSibling(path.getFileName() + ".edited");
        try (ZipFile in = new ZipFile(path.toFile());
             OutputStream file = Files.newOutputStream(edited);
             ZipOutputStream out = new ZipOutputStream(file)) {
            for (ZipEntry entry : Collections.list(in.entries())) {
                byte[] bytes;
                try (var stream = in.getInputStream(entry)) {
                    bytes = stream.readAllBytes();
                }
                Entry result = edit.apply(entry.getName(), bytes);
                if (result.name() == null) continue;
                out.putNextEntry(new ZipEntry(result.name()));
                out.write(result.bytes());
                out.closeEntry();
            }
        }
        Files.move(edited, path, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }

    static String text(byte[] bytes) { return new String(bytes, java.nio.charset.StandardCharsets.UTF_8); }

    static byte[] bytes(String text) { return text.getBytes(java.nio.charset.StandardCharsets.UTF_8); }
}
