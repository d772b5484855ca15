package dev.kiln.data;

/**
 * A data file is missing, truncated or corrupt. The message names the file, what is wrong with it, and what to
 * do (where to put a good copy, or which file to delete).
 */
public final class DataFileException extends RuntimeException {

    public DataFileException(String message) { super(message); }

    public DataFileException(String message, Throwable cause) { super(message, cause); }
}
