package dev.kiln.saving;

/**
 * A model, weights or architecture file that cannot be loaded as it is: truncated or corrupt, written by a newer
 * Kiln, naming a layer class that is not registered, or holding weights that do not match the model. The message
 * names the file and says what was expected and what was found. Failures of the disk itself (permissions, a full
 * disk) are {@link java.io.UncheckedIOException}s instead.
 */
public class ModelFileException extends RuntimeException {

    public ModelFileException(String message) { super(message); }

    public ModelFileException(String message, Throwable cause) { super(message, cause); }
}
