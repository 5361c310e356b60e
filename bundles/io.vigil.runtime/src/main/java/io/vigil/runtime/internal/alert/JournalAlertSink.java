package io.vigil.runtime.internal.alert;

import java.io.IOException;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.nio.file.Path;
import java.util.List;

import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

import io.vigil.api.alert.Alert;
import io.vigil.api.alert.AlertJournal;
import io.vigil.api.alert.AlertSink;

/** The local alert journal on disk, as a sink (every alert is appended) and as the queryable history. */
@Component(service = { AlertSink.class, AlertJournal.class }, configurationPid = JournalAlertSink.PID)
@Designate(ocd = JournalAlertSink.Config.class)
public final class JournalAlertSink implements AlertSink, AlertJournal {

    public static final String PID = "io.vigil.runtime.journal";

    /** Framework property naming the gateway's data directory. */
    public static final String DATA_DIR_PROPERTY = "vigil.data";

    private static final Logger LOG = System.getLogger(JournalAlertSink.class.getName());

    @ObjectClassDefinition(id = JournalAlertSink.PID, name = "Vigil alert journal",
            description = "Local append-only alert history.")
    public @interface Config {
        @AttributeDefinition(name = "Journal file", description = "Path of the journal file. Empty: alerts.jsonl "
                + "in the directory named by the vigil.data framework property, or in the bundle's data area.")
        String path() default "";

        @AttributeDefinition(name = "File size bound (bytes)", description = "The journal file is renamed to "
                + "<file>.1 (and older ones shifted) when it reaches this size.")
        long max_bytes() default AlertJournalFile.DEFAULT_MAX_BYTES;

        @AttributeDefinition(name = "Files kept", description = "Journal files kept, the current one included; "
                + "the oldest is deleted on rotation.")
        int max_files() default AlertJournalFile.DEFAULT_MAX_FILES;
    }

    private final AlertJournalFile journal;

    @Activate
    public JournalAlertSink(Config config, BundleContext context) throws IOException {
        Path path;
        if (!config.path().isBlank()) {
            path = Path.of(config.path());
        } else if (context.getProperty(DATA_DIR_PROPERTY) != null) {
            path = Path.of(context.getProperty(DATA_DIR_PROPERTY), "alerts.jsonl");
        } else {
            path = context.getDataFile("alerts.jsonl").toPath();
        }
        journal = new AlertJournalFile(path, config.max_bytes(), config.max_files());
        if (journal.repairedBytes() > 0) {
            LOG.log(Level.WARNING, "alert journal " + path + ": cut " + journal.repairedBytes()
                    + " bytes of a torn last entry (an interrupted write); earlier entries are intact");
        }
        if (journal.unreadableLines() > 0) {
            LOG.log(Level.WARNING, "alert journal " + path + ": skipped " + journal.unreadableLines()
                    + " lines that are not alerts; they stay in the file for inspection");
        }
        LOG.log(Level.INFO, "alert journal " + path + ": " + journal.size() + " entries");
    }

    @Deactivate
    void deactivate() throws IOException {
        journal.close();
    }

    @Override
    public void onAlert(Alert alert) {
        journal.append(alert);
    }

    @Override
    public List<Alert> recent(int max) {
        return journal.recent(max);
    }

    @Override
    public long size() {
        return journal.size();
    }
}
