package dev.kiln.callbacks;

import dev.kiln.models.Model;
import dev.kiln.saving.ModelFile;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalInt;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Lets an interrupted {@code fit} resume, as Keras's {@code BackupAndRestore}: at the end of every epoch the model's
 * weights and optimizer state are written (atomically) to {@code backupDir/backup.kiln} with the epoch; when
 * {@code fit} starts and a backup is there, they are put back into the model and {@code fit} continues with the
 * next epoch. When {@code fit} ends normally the backup is deleted (unless {@code deleteBackup} is false); when the
 * process dies, it stays for the next run.
 *
 * <pre>{@code
 * Kiln.seed(42);
 * var model = buildModel();
 * model.compile(new Adam(1e-3), Losses.binaryCrossentropy(), "accuracy");
 * model.fit(train, FitOptions.epochs(10), new BackupAndRestore(Path.of("backup")));   // run again after a crash
 * }</pre>
 *
 * <p>Run the same program again: with the same {@code Kiln.seed}, the resumed epochs shuffle and drop out exactly as
 * they would have without the interruption, so training ends with the same weights. Not restored: the state of other
 * callbacks (EarlyStopping's patience, ModelCheckpoint's best value) and the generators of layers with a seed of their
 * own ({@code Dropout(seed=...)}), which start over.
 */
public final class BackupAndRestore implements Callback {

    private static final Logger LOG = LoggerFactory.getLogger(BackupAndRestore.class);

    private final Path backupDir;
    private final boolean deleteBackup;
    private Model model;
    private int resumeEpoch;

    /** Backs up into {@code backupDir} every epoch and deletes the backup when fit ends. */
    public BackupAndRestore(Path backupDir) { this(backupDir, true); }

    public BackupAndRestore(Path backupDir, boolean deleteBackup) {
        if (backupDir == null) throw new IllegalArgumentException("BackupAndRestore needs a backup folder. Received: null");
        this.backupDir = backupDir;
        this.deleteBackup = deleteBackup;
    }

    /** The file the backup is written to. */
    public Path backupFile() { return backupDir.resolve("backup.kiln"); }

    @Override
    public void setModel(Model model, TrainingParams params) { this.model = model; }

    @Override
    public void onTrainBegin(Logs logs) {
        resumeEpoch = 0;
        if (!Files.exists(backupFile())) return;
        OptionalInt epoch = ModelFile.restore(model, backupFile());
        resumeEpoch = epoch.orElse(-1) + 1;
        LOG.info("Restored {} from the backup {} of epoch {}; resuming at epoch {}", model, backupFile(), resumeEpoch, resumeEpoch + 1);
    }

    @Override
    public int initialEpoch(int epoch) { return Math.max(epoch, resumeEpoch); }

    @Override
    public void onEpochEnd(int epoch, Logs logs) { ModelFile.saveBackup(model, backupFile(), epoch); }

    @Override
    public void onTrainEnd(Logs logs) {
        if (!deleteBackup) return;
        try {
            Files.deleteIfExists(backupFile());
        } catch (IOException e) {
            throw new UncheckedIOException("Could not delete the backup " + backupFile() + " after training", e);
        }
    }
}
