package io.vigil.runtime.internal.shell;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

import io.vigil.api.alert.Alert;
import io.vigil.api.alert.AlertJournal;
import io.vigil.api.asset.AssetStatus;
import io.vigil.api.asset.ChannelStatus;
import io.vigil.api.asset.PipelineStatus;
import io.vigil.api.sensor.InputFault;

/** Gogo commands: {@code vigil:assets} and {@code vigil:alerts [count]}. */
@Component(service = VigilCommands.class, property = { "osgi.command.scope=vigil",
        "osgi.command.function=assets", "osgi.command.function=alerts" })
public final class VigilCommands {

    private final PipelineStatus status;
    private final AlertJournal journal;

    @Activate
    public VigilCommands(@Reference PipelineStatus status, @Reference AlertJournal journal) {
        this.status = status;
        this.journal = journal;
    }

    /** Every asset with its channels, detector state and bad-input counts. */
    public String assets() {
        StringBuilder out = new StringBuilder();
        for (AssetStatus a : status.assets()) {
            out.append(a.assetId()).append("  (").append(a.drivers()).append(" driver(s))\n");
            for (ChannelStatus c : a.channels()) {
                out.append(String.format("  %-12s %-13s windows=%d discarded=%d samples=%d threshold=%.3f "
                        + "anomaly-rate=%.4f (target %.4f)%s%s%n", c.channel(), c.detectorState(), c.windows(),
                        c.windowsDiscarded(), c.samples(), c.threshold(), c.observedAnomalyRate(),
                        c.targetFalseAlarmRate(), c.alertActive() ? " ALERT" : "", c.stalled() ? " STALLED" : ""));
                if (!c.model().isEmpty() || c.modelErrors() > 0) {
                    out.append(String.format("               tier-1 %s: %d windows, %d errors%n",
                            c.model().isEmpty() ? "(none now)" : c.model(), c.modelWindows(), c.modelErrors()));
                }
                Map<InputFault, Long> bad = c.faults().entrySet().stream().filter(e -> e.getValue() > 0)
                        .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue));
                if (!bad.isEmpty()) {
                    out.append("               bad input: ").append(bad).append('\n');
                }
            }
        }
        return out.length() == 0 ? "no asset configured\n" : out.toString();
    }

    /** The most recent alerts from the local journal. */
    public String alerts(int count) {
        List<Alert> recent = journal.recent(count);
        StringBuilder out = new StringBuilder();
        for (Alert a : recent) {
            out.append(String.format("%s %-7s %-8s %s/%s %s %s%n", Instant.ofEpochMilli(a.timestampEpochMillis()),
                    a.state(), a.severity(), a.assetId(), a.channel(), a.source(), a.message()));
        }
        out.append(journal.size()).append(" alert(s) in the journal\n");
        return out.toString();
    }

    public String alerts() {
        return alerts(20);
    }
}
