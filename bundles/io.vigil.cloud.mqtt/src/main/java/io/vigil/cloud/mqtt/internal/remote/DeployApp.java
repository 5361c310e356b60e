package io.vigil.cloud.mqtt.internal.remote;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

import org.osgi.service.deploymentadmin.DeploymentException;

import io.vigil.api.deploy.DeploymentRecord;
import io.vigil.api.deploy.DeploymentReviews;
import io.vigil.api.deploy.DeploymentService;
import io.vigil.api.deploy.InstalledPackage;
import io.vigil.api.deploy.PackageDownloads;
import io.vigil.cloud.mqtt.internal.kura.KuraTopics.Method;

/**
 * {@value RequestDispatcher#DEPLOY_APP}: deployment packages and the post-deployment monitor.
 * <ul>
 * <li>{@code GET packages}: a JSON array of the installed packages (InstalledPackage).</li>
 * <li>{@code GET history}: a JSON array of the latest deployments, oldest first (DeploymentRecord); optional
 * INT32 {@value RemoteMetrics#HISTORY_LIMIT}, default {@value #DEFAULT_HISTORY}.</li>
 * <li>{@code EXEC install}: STRING {@value RemoteMetrics#DP_URI} (http or https), STRING
 * {@value RemoteMetrics#DP_SHA256} (64 hex digits), INT64 {@value RemoteMetrics#JOB_ID}, optional BOOL
 * {@value RemoteMetrics#DP_FORCE} (allow a downgrade). Answered 200 with {@value RemoteMetrics#JOB_ID} as soon as
 * the job is accepted; the download and install then run on the install thread and report by notifications (see
 * {@link InstallJobs}). 409 while another install runs.</li>
 * <li>{@code EXEC uninstall}: STRING {@value RemoteMetrics#DP_NAME}, optional BOOL {@value RemoteMetrics#DP_FORCE};
 * {@code EXEC rollback}: STRING {@value RemoteMetrics#DP_NAME}. Both wait for the deployment and answer with the
 * history record as a JSON object and {@value RemoteMetrics#DP_NAME}, {@value RemoteMetrics#DP_VERSION} (the
 * version after) and {@value RemoteMetrics#DP_RESULT}; 404 for a package not installed, 409 for a rollback with
 * nothing to roll back to, 500 with {@value RemoteMetrics#DP_ERROR_CODE} when the deployment manager refuses.</li>
 * <li>{@code GET watches}: a JSON array of the monitor's watches, newest first (DeploymentWatch).</li>
 * <li>{@code EXEC review}: STRING {@value RemoteMetrics#DP_NAME}, STRING {@value RemoteMetrics#REVIEW_DECISION}
 * ({@code keep} or {@code rollback}); the watches the decision ended as a JSON array. 404 when the package was never
 * watched, 409 when nothing of it awaits review or a rollback is impossible.</li>
 * </ul>
 */
final class DeployApp implements App {

    static final String USAGE = "VIGIL-DEPLOY-V1 has GET packages, GET history, GET watches, EXEC install, "
            + "EXEC uninstall, EXEC rollback, EXEC review";
    static final int DEFAULT_HISTORY = 100;
    /** Most history entries one reply carries: a few hundred bytes each, well under the 128 KiB some brokers take. */
    static final int MAX_HISTORY = 200;

    private static final Pattern SHA256 = Pattern.compile("[0-9a-fA-F]{64}");

    private final RemoteServices services;
    private final InstallJobs jobs;

    DeployApp(RemoteServices services, InstallJobs jobs) {
        this.services = services;
        this.jobs = jobs;
    }

    @Override
    public Reply handle(Request r) throws Refusal {
        String resource = r.resources().size() == 1 ? r.resources().get(0) : "";
        switch (resource) {
            case "packages" -> {
                r.require(Method.GET);
                return Reply.list(new ArrayList<>(deployment().packages().values()));
            }
            case "history" -> {
                r.require(Method.GET);
                return history(r);
            }
            case "watches" -> {
                r.require(Method.GET);
                return Reply.list(reviews().watches());
            }
            case "install" -> {
                r.require(Method.EXEC);
                return install(r);
            }
            case "uninstall", "rollback" -> {
                r.require(Method.EXEC);
                return change(r, resource);
            }
            case "review" -> {
                r.require(Method.EXEC);
                return review(r);
            }
            default -> throw Refusal.notFound(App.unknownResource(r, USAGE));
        }
    }

    private Reply history(Request r) throws Refusal {
        int limit = r.optionalInt32(RemoteMetrics.HISTORY_LIMIT).orElse(DEFAULT_HISTORY);
        if (limit < 0 || limit > MAX_HISTORY) {
            throw Refusal.badRequest("metric '" + RemoteMetrics.HISTORY_LIMIT + "' must be 0 to " + MAX_HISTORY
                    + " entries (a reply brokers accept), was " + limit);
        }
        List<DeploymentRecord> all = deployment().history();
        return Reply.list(all.subList(Math.max(0, all.size() - limit), all.size()));
    }

    private Reply install(Request r) throws Refusal {
        String url = r.string(RemoteMetrics.DP_URI);
        URI uri = httpUri(url);
        String sha = r.string(RemoteMetrics.DP_SHA256);
        if (!SHA256.matcher(sha).matches()) {
            throw Refusal.badRequest("metric '" + RemoteMetrics.DP_SHA256 + "' must be the package's SHA-256 as 64 "
                    + "hexadecimal digits (as sha256sum prints it), was '" + abbreviate(sha) + "'");
        }
        long jobId = r.int64(RemoteMetrics.JOB_ID);
        boolean force = r.bool(RemoteMetrics.DP_FORCE);
        PackageDownloads downloads = services.downloads().orElseThrow(() -> Refusal.unavailable(
                "package download service", "io.vigil.deploy"));
        InstallJobs.Job job = new InstallJobs.Job(jobId, r.requester());
        jobs.reserve(job);
        String operator = r.operator();
        return Reply.ok().metric(RemoteMetrics.JOB_ID, jobId)
                .summary("install job " + jobId + " accepted: " + abbreviate(url))
                .afterReply(() -> jobs.start(job, downloads, uri, sha.toLowerCase(Locale.ROOT), force, operator),
                        () -> jobs.release(job));
    }

    private static URI httpUri(String url) throws Refusal {
        URI uri;
        try {
            uri = new URI(url);
        } catch (URISyntaxException e) {
            throw Refusal.badRequest("metric '" + RemoteMetrics.DP_URI + "' is not a URL (" + e.getReason()
                    + "): '" + abbreviate(url) + "'; give the package's http or https URL");
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!(scheme.equals("http") || scheme.equals("https")) || uri.getHost() == null) {
            throw Refusal.badRequest("metric '" + RemoteMetrics.DP_URI + "' must be an http or https URL with a host, "
                    + "was '" + abbreviate(url) + "'");
        }
        return uri;
    }

    private Reply change(Request r, String action) throws Refusal {
        String name = r.string(RemoteMetrics.DP_NAME);
        boolean force = action.equals("uninstall") && r.bool(RemoteMetrics.DP_FORCE);
        DeploymentService d = deployment();
        InstalledPackage p = d.packages().get(name);
        if (p == null) {
            throw Refusal.notFound("no deployment package '" + name + "' is installed; GET packages lists the "
                    + "installed ones");
        }
        if (action.equals("rollback") && p.previous() == null) {
            throw Refusal.conflict("package " + name + " " + p.version() + " has no previous version to roll back "
                    + "to (nothing was installed before it); uninstall it instead");
        }
        try {
            DeploymentRecord rec = action.equals("rollback") ? d.rollback(name, r.operator())
                    : d.uninstall(name, r.operator(), force);
            return Reply.ok().metric(RemoteMetrics.DP_NAME, rec.packageName())
                    .metric(RemoteMetrics.DP_VERSION, rec.toVersion()).metric(RemoteMetrics.DP_RESULT, rec.result())
                    .json(rec).summary(action + " of " + name + " " + rec.result());
        } catch (DeploymentException e) {
            throw deploymentRefusal(action + " of package " + name, e);
        }
    }

    private Reply review(Request r) throws Refusal {
        String name = r.string(RemoteMetrics.DP_NAME);
        String decision = r.string(RemoteMetrics.REVIEW_DECISION).toLowerCase(Locale.ROOT);
        if (!decision.equals(RemoteMetrics.DECISION_KEEP) && !decision.equals(RemoteMetrics.DECISION_ROLLBACK)) {
            throw Refusal.badRequest("metric '" + RemoteMetrics.REVIEW_DECISION + "' must be keep or rollback, was '"
                    + abbreviate(decision) + "'");
        }
        DeploymentReviews reviews = reviews();
        try {
            return Reply.list(reviews.review(name, decision.equals(RemoteMetrics.DECISION_KEEP), r.operator()))
                    .summary("review of " + name + ": " + decision);
        } catch (IllegalArgumentException e) {
            throw Refusal.notFound(e.getMessage());
        } catch (IllegalStateException e) {
            throw Refusal.conflict(e.getMessage());
        } catch (DeploymentException e) {
            throw deploymentRefusal("review of package " + name, e);
        }
    }

    private static Refusal deploymentRefusal(String what, DeploymentException e) {
        String code = InstallJobs.codeName(e.getCode());
        return new Refusal(500, what + " failed (" + code + "): " + e.getMessage())
                .with(RemoteMetrics.DP_ERROR_CODE, code).with(RemoteMetrics.DP_ERROR_DEPLOYMENT_CODE, e.getCode());
    }

    private DeploymentService deployment() throws Refusal {
        return services.deployment().orElseThrow(() -> Refusal.unavailable("deployment service", "io.vigil.deploy"));
    }

    private DeploymentReviews reviews() throws Refusal {
        return services.reviews().orElseThrow(() -> Refusal.unavailable("post-deployment monitor",
                "io.vigil.deploy"));
    }

    static String abbreviate(String s) {
        String printable = s.replaceAll("\\p{Cntrl}", "?");
        return printable.length() <= 200 ? printable : printable.substring(0, 200) + "...";
    }
}
