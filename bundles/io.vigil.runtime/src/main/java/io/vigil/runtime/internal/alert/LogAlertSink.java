package io.vigil.runtime.internal.alert;

import java.lang.System.Logger;
import java.lang.System.Logger.Level;

import org.osgi.service.component.annotations.Component;

import io.vigil.api.alert.Alert;
import io.vigil.api.alert.AlertSink;
import io.vigil.api.alert.AlertState;

/** Writes every alert state change to the gateway log: raises as warnings, clears as information. */
@Component(service = AlertSink.class)
public final class LogAlertSink implements AlertSink {

    private static final Logger LOG = System.getLogger("io.vigil.alert");

    @Override
    public void onAlert(Alert a) {
        LOG.log(a.state() == AlertState.RAISED ? Level.WARNING : Level.INFO,
                "ALERT " + a.state() + " " + a.severity() + " " + a.assetId() + "/" + a.channel() + " by "
                        + a.source() + " [" + a.id() + "]: " + a.message());
    }
}
