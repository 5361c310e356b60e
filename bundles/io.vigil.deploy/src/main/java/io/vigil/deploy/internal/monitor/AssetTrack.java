package io.vigil.deploy.internal.monitor;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import io.vigil.api.detect.ModelRef;

/**
 * What the monitor keeps of one asset: a ring of its latest windows (anomalous or not, which model decided, when)
 * from which a deployment's baseline is taken, the watches running on it, and a deployment waiting for the asset's
 * first window from one of its models. The pipeline's threads append under this object's lock (a few array
 * writes and, per running watch, a few arithmetic operations); the control thread takes it briefly to read the
 * ring or attach a watch.
 */
final class AssetTrack {

    /** A deployment whose models this asset may start using after the commit: the watch starts when it does. */
    record Pending(Commit commit, Set<ModelRef> models, long txStartNanos, long commitNanos) {
    }

    /** Something for the control thread: a watch that signalled or completed, or a pending deployment joined. */
    record Followup(Watch watch, Watch.Outcome outcome, Pending joined) {
    }

    /**
     * How the ring splits at a deployment.
     *
     * @param baselineWindows windows before the deployment, at most the baseline length asked for
     * @param baselineAnomalous anomalous ones among them
     * @param sawOld whether one of those was decided by a model the package carried before
     * @param sawNew whether a window since was decided by a model it carries now
     */
    record Split(long baselineWindows, long baselineAnomalous, boolean sawOld, boolean sawNew) {
    }

    final String assetId;
    private boolean[] anomalous;
    private ModelRef[] sources;
    private long[] nanos;
    private int next;
    private int size;
    private final List<Watch> active = new ArrayList<>();
    private Pending pending;
    private int pendingRemaining;

    AssetTrack(String assetId, int capacity) {
        this.assetId = assetId;
        this.anomalous = new boolean[capacity];
        this.sources = new ModelRef[capacity];
        this.nanos = new long[capacity];
    }

    /**
     * The live path.
     *
     * @param capacity the ring's length under the current configuration
     * @return what the control thread has to do, null when nothing (nearly always)
     */
    synchronized List<Followup> append(boolean isAnomalous, ModelRef source, long decisionNanos, int capacity) {
        if (capacity != nanos.length) {
            resize(capacity);
        }
        anomalous[next] = isAnomalous;
        sources[next] = source;
        nanos[next] = decisionNanos;
        next = (next + 1) % nanos.length;
        size = Math.min(size + 1, nanos.length);
        List<Followup> followups = null;
        for (int i = 0; i < active.size(); i++) {
            Watch.Outcome o = active.get(i).observe(isAnomalous);
            if (o != Watch.Outcome.NONE) {
                followups = add(followups, new Followup(active.get(i), o, null));
            }
        }
        if (pending != null) {
            if (pending.models().contains(source)) {
                followups = add(followups, new Followup(null, Watch.Outcome.NONE, pending));
                pending = null;
            } else if (--pendingRemaining <= 0) {
                pending = null; // the asset never took up the package's models: it was not affected
            }
        }
        return followups;
    }

    private static List<Followup> add(List<Followup> list, Followup f) {
        List<Followup> l = list == null ? new ArrayList<>(2) : list;
        l.add(f);
        return l;
    }

    private void resize(int capacity) {
        boolean[] a = new boolean[capacity];
        ModelRef[] s = new ModelRef[capacity];
        long[] t = new long[capacity];
        int keep = Math.min(size, capacity);
        for (int k = 0; k < keep; k++) {
            int from = index(size - keep + k);
            a[k] = anomalous[from];
            s[k] = sources[from];
            t[k] = nanos[from];
        }
        anomalous = a;
        sources = s;
        nanos = t;
        size = keep;
        next = keep % capacity;
    }

    /** Ring position of the k-th oldest window. */
    private int index(int k) {
        return Math.floorMod(next - size + k, nanos.length);
    }

    /**
     * A window belongs to the deployment when it came after the commit, or during the transaction from one of the
     * new models (the health check waits for them to serve before the commit, so they score windows before it).
     * Earlier windows of the same models, from before the transaction, belong to the baseline: after a rollback
     * to a version the ring may still hold its older windows. A window decided at the very instant of the commit
     * is the old version's.
     */
    private static boolean since(long t, ModelRef source, Set<ModelRef> models, long txStartNanos,
            long commitNanos) {
        return t - commitNanos > 0 || (t - txStartNanos > 0 && models.contains(source));
    }

    synchronized Split split(Set<ModelRef> newModels, Set<ModelRef> oldModels, long txStartNanos, long commitNanos,
            int baselineLimit) {
        int before = 0;
        boolean sawNew = false;
        for (int k = 0; k < size; k++) {
            int i = index(k);
            if (since(nanos[i], sources[i], newModels, txStartNanos, commitNanos)) {
                sawNew |= newModels.contains(sources[i]);
            } else {
                before++;
            }
        }
        int skip = Math.max(0, before - baselineLimit);
        long windows = 0;
        long anomalousCount = 0;
        boolean sawOld = false;
        for (int k = 0; k < size; k++) {
            int i = index(k);
            if (!since(nanos[i], sources[i], newModels, txStartNanos, commitNanos) && skip-- <= 0) {
                windows++;
                anomalousCount += anomalous[i] ? 1 : 0;
                sawOld |= oldModels.contains(sources[i]);
            }
        }
        return new Split(windows, anomalousCount, sawOld, sawNew);
    }

    /**
     * Starts a watch on this asset: the windows of the deployment already in the ring are fed to it first, then it
     * takes every new one; both under this lock, so no window is missed or counted twice.
     *
     * @return what those windows did to it (a signal, the end of the watch, or nothing)
     */
    synchronized Watch.Outcome attach(Watch watch, Set<ModelRef> newModels, long txStartNanos, long commitNanos) {
        Watch.Outcome result = Watch.Outcome.NONE;
        for (int k = 0; k < size; k++) {
            int i = index(k);
            if (since(nanos[i], sources[i], newModels, txStartNanos, commitNanos)) {
                Watch.Outcome o = watch.observe(anomalous[i]);
                if (o != Watch.Outcome.NONE) {
                    result = o;
                }
            }
        }
        active.add(watch);
        return result;
    }

    /** Attaches a watch restored from disk: its figures are already counted. */
    synchronized void resume(Watch watch) {
        active.add(watch);
    }

    synchronized boolean detach(Watch watch) {
        return active.remove(watch);
    }

    synchronized void await(Pending p, int windows) {
        pending = p;
        pendingRemaining = windows;
    }

    /** Forgets a pending deployment of the package (a later one replaced it). */
    synchronized void forget(String packageName) {
        if (pending != null && pending.commit().packageName().equals(packageName)) {
            pending = null;
        }
    }

    synchronized boolean hasWindows() {
        return size > 0;
    }
}
