package io.vigil.deploy.internal;

import static org.osgi.service.deploymentadmin.DeploymentException.CODE_BAD_HEADER;
import static org.osgi.service.deploymentadmin.DeploymentException.CODE_MISSING_HEADER;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.TreeMap;
import java.util.jar.Attributes;
import java.util.jar.Manifest;
import java.util.regex.Pattern;

import org.osgi.framework.Version;
import org.osgi.framework.VersionRange;
import org.osgi.service.deploymentadmin.DeploymentException;

/**
 * The manifest of a deployment package (OSGi Compendium 114.3), checked for everything that can be checked without
 * the archive's content: required headers, header syntax and contradictions between the headers of a section.
 *
 * @param symbolicName    DeploymentPackage-SymbolicName
 * @param version         DeploymentPackage-Version
 * @param fixPack         DeploymentPackage-FixPack: the installed versions this fix pack applies to
 * @param requiredStorage DeploymentPackage-RequiredStorage in bytes
 * @param headers         every main header, looked up case-insensitively as the spec's getHeader does
 * @param entries         the named sections outside META-INF/, sorted by name: java.util.jar.Manifest keeps no
 *                        section order, and the install order is the archive's anyway (see {@link StagedPackage})
 */
public record DpManifest(String symbolicName, Version version, Optional<VersionRange> fixPack,
        OptionalLong requiredStorage, Map<String, String> headers, List<Entry> entries) {

    public static final String SYMBOLIC_NAME = "DeploymentPackage-SymbolicName";
    public static final String VERSION = "DeploymentPackage-Version";
    public static final String FIX_PACK = "DeploymentPackage-FixPack";
    public static final String REQUIRED_STORAGE = "DeploymentPackage-RequiredStorage";
    public static final String MISSING = "DeploymentPackage-Missing";
    public static final String CUSTOMIZER = "DeploymentPackage-Customizer";
    public static final String RESOURCE_PROCESSOR = "Resource-Processor";
    public static final String BUNDLE_SYMBOLIC_NAME = "Bundle-SymbolicName";
    public static final String BUNDLE_VERSION = "Bundle-Version";

    private static final Pattern SYMBOLIC_NAME_SYNTAX = Pattern.compile("[A-Za-z0-9_-]+(\\.[A-Za-z0-9_-]+)*");

    /**
     * One named section: a bundle when {@code bundleSymbolicName} is set, otherwise a resource for the processor
     * {@code resourceProcessor} (null when the section names none).
     *
     * @param headers every header of the section, case-insensitive (the spec's getResourceHeader)
     */
    public record Entry(String name, String bundleSymbolicName, Version bundleVersion, boolean missing,
            boolean customizer, String resourceProcessor, Map<String, String> headers) {

        public Entry {
            headers = Collections.unmodifiableMap(caseInsensitive(headers));
        }

        public boolean isBundle() {
            return bundleSymbolicName != null;
        }

        @Override
        public String toString() {
            return isBundle() ? "bundle " + name + " (" + bundleSymbolicName + " " + bundleVersion + ")"
                    : "resource " + name;
        }
    }

    public DpManifest {
        headers = Collections.unmodifiableMap(caseInsensitive(headers));
        entries = List.copyOf(entries);
    }

    public boolean isFixPack() {
        return fixPack.isPresent();
    }

    public Optional<Entry> entry(String name) {
        return entries.stream().filter(e -> e.name().equals(name)).findFirst();
    }

    /** @return the main header's value, or null; names are case-insensitive */
    public String header(String name) {
        return headers.get(name);
    }

    @Override
    public String toString() {
        return symbolicName + " " + version;
    }

    public static DpManifest parse(Manifest manifest) throws DeploymentException {
        Attributes main = manifest.getMainAttributes();
        String name = value(main, SYMBOLIC_NAME);
        if (name == null) {
            throw new DeploymentException(CODE_MISSING_HEADER, "the deployment package manifest has no "
                    + SYMBOLIC_NAME + " header; add one, e.g. " + SYMBOLIC_NAME + ": com.acme.models");
        }
        if (!SYMBOLIC_NAME_SYNTAX.matcher(name).matches()) {
            throw new DeploymentException(CODE_BAD_HEADER, SYMBOLIC_NAME + " '" + name
                    + "' is not a symbolic name; use dot-separated tokens of letters, digits, '_' and '-'");
        }
        String versionText = value(main, VERSION);
        if (versionText == null) {
            throw new DeploymentException(CODE_MISSING_HEADER, "deployment package " + name + " has no " + VERSION
                    + " header; add one, e.g. " + VERSION + ": 1.0.0");
        }
        String label = "deployment package " + name;
        Version version = version(versionText, label + ": " + VERSION);
        String range = value(main, FIX_PACK);
        Optional<VersionRange> fixPack = Optional.empty();
        if (range != null) {
            try {
                fixPack = Optional.of(new VersionRange(range));
            } catch (IllegalArgumentException e) {
                throw new DeploymentException(CODE_BAD_HEADER, label + ": " + FIX_PACK + " '" + range
                        + "' is not a version range; write e.g. [1.0,2.0) (" + e.getMessage() + ")", e);
            }
        }
        String storage = value(main, REQUIRED_STORAGE);
        OptionalLong requiredStorage = storage == null ? OptionalLong.empty()
                : OptionalLong.of(bytes(storage, label + ": " + REQUIRED_STORAGE));
        label = "deployment package " + name + " " + version;

        List<Entry> entries = new ArrayList<>();
        Map<String, String> bundleOwners = new HashMap<>();
        for (Map.Entry<String, Attributes> section : new TreeMap<>(manifest.getEntries()).entrySet()) {
            // jarsigner adds digest sections for META-INF/ files; they are not part of the package's content
            if (section.getKey().toUpperCase(Locale.ROOT).startsWith("META-INF/")) {
                continue;
            }
            Entry entry = entry(section.getKey(), section.getValue(), label, fixPack.isPresent());
            if (entry.isBundle()) {
                String other = bundleOwners.putIfAbsent(entry.bundleSymbolicName(), entry.name());
                if (other != null) {
                    throw new DeploymentException(CODE_BAD_HEADER, label + ": bundle symbolic name "
                            + entry.bundleSymbolicName() + " is declared by both " + other + " and " + entry.name()
                            + "; a package may contain a bundle only once");
                }
            }
            entries.add(entry);
        }
        Map<String, String> headers = new HashMap<>();
        main.forEach((k, v) -> headers.put(k.toString(), v.toString()));
        return new DpManifest(name, version, fixPack, requiredStorage, headers, entries);
    }

    private static Entry entry(String name, Attributes section, String label, boolean fixPack)
            throws DeploymentException {
        String where = label + ": entry " + name;
        String bsn = value(section, BUNDLE_SYMBOLIC_NAME);
        String bundleVersion = value(section, BUNDLE_VERSION);
        String processor = value(section, RESOURCE_PROCESSOR);
        boolean missing = flag(section, MISSING, where);
        boolean customizer = flag(section, CUSTOMIZER, where);
        Version version = null;
        if (bsn != null || bundleVersion != null) {
            if (processor != null) {
                throw new DeploymentException(CODE_BAD_HEADER, where + " has both bundle headers and "
                        + RESOURCE_PROCESSOR + ": " + processor + "; a bundle is installed by the framework, not by a "
                        + "resource processor: remove one of them");
            }
            if (bsn == null || bundleVersion == null) {
                throw new DeploymentException(CODE_BAD_HEADER, where + " has "
                        + (bsn == null ? BUNDLE_VERSION + " but no " + BUNDLE_SYMBOLIC_NAME
                                : BUNDLE_SYMBOLIC_NAME + " " + bsn + " but no " + BUNDLE_VERSION)
                        + "; a bundle section needs both");
            }
            bsn = withoutDirectives(bsn);
            if (!SYMBOLIC_NAME_SYNTAX.matcher(bsn).matches()) {
                throw new DeploymentException(CODE_BAD_HEADER, where + ": " + BUNDLE_SYMBOLIC_NAME + " '" + bsn
                        + "' is not a symbolic name");
            }
            version = version(bundleVersion, where + ": " + BUNDLE_VERSION);
        } else if (customizer) {
            throw new DeploymentException(CODE_BAD_HEADER, where + " is marked " + CUSTOMIZER
                    + " but is not a bundle; only bundles can be customizers");
        }
        if (missing && !fixPack) {
            throw new DeploymentException(CODE_BAD_HEADER, where + " is marked " + MISSING + ": true, but the package "
                    + "has no " + FIX_PACK + " header; only a fix pack may leave entries out: add the entry to the "
                    + "archive or declare the installed versions it fixes with " + FIX_PACK);
        }
        Map<String, String> headers = new HashMap<>();
        section.forEach((k, v) -> headers.put(k.toString(), v.toString()));
        return new Entry(name, bsn, version, missing, customizer, processor, headers);
    }

    /** Bundle-SymbolicName may carry directives (singleton:=true); only the name identifies the bundle. */
    static String withoutDirectives(String bsn) {
        int semicolon = bsn.indexOf(';');
        return (semicolon < 0 ? bsn : bsn.substring(0, semicolon)).trim();
    }

    private static Version version(String text, String what) throws DeploymentException {
        try {
            return Version.parseVersion(text);
        } catch (IllegalArgumentException e) {
            throw new DeploymentException(CODE_BAD_HEADER, what + " '" + text
                    + "' is not an OSGi version; write major.minor.micro.qualifier, e.g. 1.2.0", e);
        }
    }

    private static long bytes(String text, String what) throws DeploymentException {
        try {
            long bytes = Long.parseLong(text);
            if (bytes >= 0) {
                return bytes;
            }
        } catch (NumberFormatException e) {
            // reported below, as a negative number is
        }
        throw new DeploymentException(CODE_BAD_HEADER, what + " '" + text + "' is not a number of bytes");
    }

    private static boolean flag(Attributes section, String header, String where) throws DeploymentException {
        String text = value(section, header);
        if (text == null || text.equalsIgnoreCase("false")) {
            return false;
        }
        if (text.equalsIgnoreCase("true")) {
            return true;
        }
        throw new DeploymentException(CODE_BAD_HEADER, where + ": " + header + " '" + text
                + "' must be true or false");
    }

    /** Blank counts as absent: "DeploymentPackage-Version:" with nothing after it is as good as no version. */
    private static String value(Attributes attributes, String name) {
        String value = attributes.getValue(name);
        return value == null || value.isBlank() ? null : value.trim();
    }

    private static Map<String, String> caseInsensitive(Map<String, String> map) {
        Map<String, String> copy = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        copy.putAll(map);
        return copy;
    }
}
