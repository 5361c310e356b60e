package io.vigil.shadow.internal;

import java.io.IOException;
import java.util.Dictionary;

import org.osgi.framework.InvalidSyntaxException;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;

import io.vigil.api.shadow.ShadowException;

/**
 * Promotes and rolls back through the asset's own configuration: the model's name and version range. The asset
 * pipeline takes the change like any model swap, at its next window boundary and without recommissioning; the
 * configuration store (and File Install's etc/*.cfg, which it writes back) keeps it across restarts, so the
 * configuration stays the single truth about what serves.
 */
final class ConfigAdminSwitch implements LiveModelSwitch {

    static final String ASSET_FACTORY_PID = "io.vigil.runtime.asset";

    private final ConfigurationAdmin configAdmin;

    ConfigAdminSwitch(ConfigurationAdmin configAdmin) {
        this.configAdmin = configAdmin;
    }

    @Override
    public Selection current(String assetId) {
        try {
            Configuration[] found = find(assetId);
            return found == null || found.length != 1 ? null : selection(found[0].getProperties());
        } catch (IOException | InvalidSyntaxException e) {
            return null;
        }
    }

    private Configuration[] find(String assetId) throws IOException, InvalidSyntaxException {
        return configAdmin.listConfigurations("(&(service.factoryPid=" + ASSET_FACTORY_PID + ")(vigil.asset="
                + escape(assetId) + "))");
    }

    private static Selection selection(Dictionary<String, Object> props) {
        Object name = props.get("model.name");
        Object versions = props.get("model.versions");
        return new Selection(name == null ? "" : name.toString().trim(), versions == null ? "0.0.0"
                : versions.toString().trim());
    }

    @Override
    public Selection switchTo(String assetId, Selection to) throws ShadowException {
        Configuration[] found;
        try {
            found = find(assetId);
        } catch (IOException | InvalidSyntaxException e) {
            throw new ShadowException(ShadowException.Reason.PROMOTION_FAILED, "could not read the configuration "
                    + "of asset " + assetId + ": " + e + "; the live model is unchanged", e);
        }
        if (found == null || found.length != 1) {
            throw new ShadowException(ShadowException.Reason.PROMOTION_FAILED, (found == null ? "no" : found.length)
                    + " " + ASSET_FACTORY_PID + " configurations have vigil.asset=" + assetId + "; exactly one is "
                    + "needed to switch its model. The live model is unchanged");
        }
        Configuration c = found[0];
        Dictionary<String, Object> props = c.getProperties();
        Selection before = selection(props);
        if (to.name().isEmpty()) {
            // the defaults are tier-0 only; a version range left behind without a name would only mislead a reader
            props.remove("model.name");
            props.remove("model.versions");
        } else {
            props.put("model.name", to.name());
            props.put("model.versions", to.versions());
        }
        try {
            c.update(props);
        } catch (IOException | IllegalStateException e) {
            throw new ShadowException(ShadowException.Reason.PROMOTION_FAILED, "could not write the configuration "
                    + c.getPid() + " of asset " + assetId + ": " + e + "; the live model is unchanged", e);
        }
        return before;
    }

    /** RFC 1960 filter value escaping. */
    private static String escape(String value) {
        StringBuilder b = new StringBuilder(value.length());
        for (char ch : value.toCharArray()) {
            if (ch == '\\' || ch == '(' || ch == ')' || ch == '*') {
                b.append('\\');
            }
            b.append(ch);
        }
        return b.toString();
    }
}
