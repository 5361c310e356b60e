package io.vigil.deploy.internal.crash;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import com.google.gson.Gson;

import io.vigil.deploy.internal.crash.CrashBundles.Spec;
import io.vigil.deploy.internal.crash.CrashWorker.BundleState;
import io.vigil.deploy.internal.crash.CrashWorker.PackageState;
import io.vigil.deploy.internal.crash.CrashWorker.Snapshot;
import io.vigil.deploy.internal.tx.TransactionEngine;

/**
 * Kills a real process ({@link CrashWorker}: Felix with persistent storage plus the transaction engine, deploying
 * one package over and over) with SIGKILL at random moments, then starts the framework again on the same storage,
 * lets {@code recover()} run, and checks that the framework holds exactly the old or the new set of bundles of the
 * transaction the kill interrupted (names, versions, contents, all active), that the package records name that
 * same version, that no journal is left, and that the store holds the copies the records need.
 *
 * <p>Most kills come a random time after the worker is ready (so they land in transactions of every kind, or
 * between them); some come a random time after the process started (so they land while the JVM and the framework
 * start, or early in the workload); after some mid-transaction kills a second process is killed while it recovers.
 * The gateway's state carries over from kill to kill, as it would on a device.
 *
 * <p>{@code -Dvigil.crash.kills=200} for the long run ({@code bench/crash-consistency.sh}); {@code
 * -Dvigil.crash.seed} to replay another sequence of timings (the timings themselves vary with the machine). Every
 * process's log, {@code summary.txt} and {@code kills.csv} (one line per kill: where it landed, what the next start
 * found, old or new set) are left in {@code target/crash-consistency/run-<pid>} or {@code -Dvigil.crash.dir}.
 */
class CrashConsistencyTest {

    private static final int KILLS = Integer.getInteger("vigil.crash.kills", 50);
    private static final long SEED = Long.getLong("vigil.crash.seed", 20261125L);
    /** Percent of kills timed from the process start rather than from READY. */
    private static final int EARLY_PERCENT = 12;
    /** Percent of mid-transaction kills followed by a kill of the recovering process. */
    private static final int RECOVERY_KILL_PERCENT = 35;
    private static final Duration PROCESS_TIMEOUT = Duration.ofSeconds(60);

    /** A directory of its own: several builds of this module may run at once on a shared machine. */
    private final Path work = Path.of(System.getProperty("vigil.crash.dir", "target/crash-consistency/run-"
            + ProcessHandle.current().pid())).toAbsolutePath();
    private final Random random = new Random(SEED);
    private final Stats stats = new Stats();

    /** The process running now, killed if the test ends early. */
    private Process live;

    @AfterEach
    void noWorkerLeft() {
        if (live != null && live.isAlive()) {
            live.destroyForcibly();
        }
    }

    @Test
    void everyKillLeavesTheOldOrTheNewSetWithRecordsThatAgree() throws Exception {
        long started = System.nanoTime();
        deleteRecursively(work);
        CrashBundles.buildAll(work);
        String failure = null;
        try {
            killAndCheck();
        } catch (AssertionError | Exception e) {
            failure = e.getMessage();
            throw e;
        } finally {
            stats.seconds = (System.nanoTime() - started) / 1e9;
            String summary = stats.summary(failure);
            System.out.println(summary);
            Files.writeString(work.resolve("summary.txt"), summary);
            Files.write(work.resolve("kills.csv"), stats.csv);
        }
        for (String bulky : List.of("framework", "deploy", "jars")) {
            deleteRecursively(work.resolve(bulky)); // kept after a failure, for the post-mortem
        }
        int mid = stats.phases.entrySet().stream().filter(e -> e.getKey().contains("mid-")).mapToInt(
                Map.Entry::getValue).sum();
        assertTrue(mid * 5 >= KILLS * 2, "only " + mid + " of " + KILLS + " kills landed mid-transaction, so the "
                + "test proves little: the transactions got short against the worker's start and idle time");
    }

    private void killAndCheck() throws Exception {
        Set<String> allowed = Set.of(CrashWorker.NONE);
        stats.csv.add("kill,timing,phase,recovery_kill,journal_at_restart,outcome,state");
        for (int i = 0; i < KILLS; i++) {
            String run = String.format("%03d", i);
            boolean early = random.nextInt(100) < EARLY_PERCENT;
            Process worker = start("work", run + "-work", String.valueOf(random.nextLong()));
            if (early) {
                runFor(worker, run, 20 + random.nextInt(300));
            } else {
                awaitLine(worker, run + "-work", "READY");
                runFor(worker, run, 20 + random.nextInt(500));
            }
            kill(worker);
            stats.workerKills++;
            Replay replay = replay(run + "-work", allowed);
            String phase = phase(replay);
            stats.count(stats.phases, (early ? "early: " : "") + phase);
            String[] interrupted = replay.pending;

            String recoveryKill = "";
            if (interrupted != null && random.nextInt(100) < RECOVERY_KILL_PERCENT) {
                // the next start is killed too: while the framework restarts the half-changed bundles (about
                // 150 ms on the 2-core build machine), or in recover() (about 40 ms), or just after
                Process recovering = start("verify", run + "-recovery");
                boolean inRecover = random.nextBoolean();
                awaitLine(recovering, run + "-recovery", inRecover ? "RECOVERING" : "START");
                if (recovering.waitFor(random.nextInt(inRecover ? 60 : 150), TimeUnit.MILLISECONDS)) {
                    // the kill came too late: the verifier recovered, printed and stopped by itself
                    if (recovering.exitValue() != 0) {
                        fail("the recovering process " + run + " failed (exit " + recovering.exitValue() + "):\n"
                                + tails());
                    }
                    recoveryKill = "none: the process ended before the kill";
                } else {
                    kill(recovering);
                    stats.recoveringKills++;
                    List<String> lines = lines(run + "-recovery");
                    String last = lines.isEmpty() ? "" : lines.get(lines.size() - 1);
                    recoveryKill = switch (word(last, 0)) {
                        case "", "START" -> "during the framework's start";
                        case "RECOVERING" -> "during recover() (" + word(last, 1) + ")";
                        default -> "after recover() finished";
                    };
                }
                stats.count(stats.recoveryKills, recoveryKill);
                replay = replay(run + "-recovery", replay.allowed);
            }

            Snapshot s = verify(run + "-verify");
            String state = check(s, replay.allowed, run);
            stats.count(stats.recovered, s.recovered());
            stats.count(stats.endStates, state);
            String journal = "";
            String outcome = "";
            if (interrupted != null) {
                String op = interrupted[0];
                boolean old = state.equals(interrupted[2]);
                outcome = old ? "old set" : "new set";
                stats.count(stats.outcomes, String.format("%-15s %s", op, outcome));
                journal = journalAtRestart(run);
                stats.count(stats.windows, switch (journal) {
                    case CrashWorker.NONE -> old ? "no journal yet (staging), old set"
                            : "journal already removed (records written), new set";
                    default -> journal.startsWith("uncommitted") ? "journal uncommitted, recovered to " + outcome
                            : "journal committed, recovered to " + outcome;
                });
            }
            stats.csv.add(String.join(",", run, early ? "early" : "after-ready", phase, recoveryKill, journal,
                    outcome, state));
            allowed = Set.of(state);
        }
    }

    // --- the processes

    private Process start(String mode, String run, String... more) throws IOException {
        // a small, quickly started JVM: C1 only, serial GC (each kill costs two or three JVM starts)
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java")
                .toString(), "-Xshare:auto", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xmx128m",
                "-Dvigil.crash.forcedUninstall=" + !"false".equals(System.getProperty("vigil.crash.forcedUninstall")),
                "-cp", System.getProperty("java.class.path"), CrashWorker.class.getName(), work.toString(), mode,
                run));
        cmd.addAll(List.of(more));
        Path logs = Files.createDirectories(work.resolve("logs"));
        return live = new ProcessBuilder(cmd).redirectOutput(logs.resolve(run + ".out").toFile())
                .redirectError(logs.resolve(run + ".err").toFile()).start();
    }

    /** Lets the process run for the chosen time: the random point of the kill, not a wait for anything. */
    private void runFor(Process p, String run, long millis) throws Exception {
        if (p.waitFor(millis, TimeUnit.MILLISECONDS)) {
            fail("the worker " + run + " ended by itself (exit " + p.exitValue() + ") before the kill:\n" + tails());
        }
    }

    private void awaitLine(Process p, String run, String prefix) {
        await().atMost(PROCESS_TIMEOUT).pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(5))
                .until(() -> {
                    if (!p.isAlive()) {
                        throw new AssertionError("the worker " + run + " ended (exit " + p.exitValue()
                                + ") before logging " + prefix + ":\n" + tails());
                    }
                    return lines(run).stream().anyMatch(l -> l.startsWith(prefix));
                });
    }

    private void kill(Process p) throws Exception {
        p.destroyForcibly(); // SIGKILL on Linux: no shutdown hook, no finally, no framework stop
        if (!p.waitFor(PROCESS_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
            fail("the killed worker " + p.pid() + " did not end");
        }
    }

    private Snapshot verify(String run) throws Exception {
        Process p = start("verify", run);
        if (!p.waitFor(PROCESS_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
            threadDump(p, run);
            p.destroyForcibly();
            fail("the verifier " + run + " did not end within " + PROCESS_TIMEOUT + ":\n" + tails());
        }
        if (p.exitValue() != 0) {
            fail("the verifier " + run + " failed (exit " + p.exitValue() + "):\n" + tails());
        }
        String json = Files.readAllLines(work.resolve("logs").resolve(run + ".out")).stream()
                .filter(l -> l.startsWith(CrashWorker.STATE_PREFIX)).findFirst()
                .map(l -> l.substring(CrashWorker.STATE_PREFIX.length()))
                .orElseThrow(() -> new AssertionError("the verifier " + run + " printed no state:\n" + tails()));
        return new Gson().fromJson(json, Snapshot.class);
    }

    /** For the post-mortem of a process that hung: its threads, in {@code logs/<run>.threads}. */
    private void threadDump(Process p, String run) {
        Path java = Path.of(System.getProperty("java.home"), "bin", "jcmd");
        try {
            Process dump = new ProcessBuilder(java.toString(), String.valueOf(p.pid()), "Thread.print")
                    .redirectErrorStream(true).redirectOutput(work.resolve("logs").resolve(run + ".threads").toFile())
                    .start();
            dump.waitFor(30, TimeUnit.SECONDS);
        } catch (IOException | InterruptedException e) {
            System.err.println("no thread dump of " + run + ": " + e);
        }
    }

    private List<String> lines(String run) throws IOException {
        Path log = work.resolve("logs").resolve(run + ".log");
        return Files.exists(log) ? Files.readAllLines(log) : List.of();
    }

    /** The last lines of the newest logs, for a failure message. */
    private String tails() {
        try (Stream<Path> files = Files.list(work.resolve("logs"))) {
            StringBuilder sb = new StringBuilder();
            for (Path f : files.sorted(Comparator.reverseOrder()).limit(8).sorted().toList()) {
                List<String> l = Files.readAllLines(f);
                sb.append("--- ").append(f).append('\n');
                l.subList(Math.max(0, l.size() - 25), l.size()).forEach(x -> sb.append(x).append('\n'));
            }
            return sb.toString();
        } catch (IOException e) {
            return "(logs unreadable: " + e + ")";
        }
    }

    // --- what the logs say

    /**
     * The states a run may have left: {@code allowed} narrowed by each line. READY and END name the state; BEGIN
     * opens a transaction whose outcome may be its old or its new state ({@code pending}: op, target, from).
     */
    private record Replay(List<String> lines, Set<String> allowed, String[] pending) {
    }

    private Replay replay(String run, Set<String> allowed) throws IOException {
        List<String> lines = lines(run);
        String[] pending = null;
        for (String l : lines) {
            String kind = word(l, 0);
            switch (kind) {
                case "READY" -> {
                    String s = value(l, "state");
                    if (!allowed.contains(s)) {
                        fail(run + ": recovery ended on " + s + ", but only " + allowed + " were possible:\n"
                                + String.join("\n", lines) + "\n" + tails());
                    }
                    allowed = Set.of(s);
                    pending = null;
                }
                case "BEGIN" -> {
                    String op = word(l, 1);
                    String target = word(l, 2);
                    String from = value(l, "from");
                    if (!allowed.equals(Set.of(from))) {
                        fail(run + ": " + l + " but the state was " + allowed);
                    }
                    pending = new String[] {op, target, from};
                    allowed = op.endsWith("-failing") ? Set.of(from) : Set.of(from, target);
                }
                case "END" -> {
                    allowed = Set.of(value(l, "now"));
                    pending = null;
                    stats.transactions++;
                }
                default -> {
                    // START, RECOVERING, STOPPED
                }
            }
        }
        return new Replay(lines, allowed, pending);
    }

    /** What the first start after the kill found: the journal as the first RECOVERING line names it. */
    private String journalAtRestart(String run) throws IOException {
        for (String r : List.of(run + "-recovery", run + "-verify")) {
            for (String l : lines(r)) {
                if (l.startsWith("RECOVERING")) {
                    return value(l, "journal").replaceFirst("-.*", "");
                }
            }
        }
        throw new AssertionError("no start after kill " + run + " reached recover()");
    }

    private static String phase(Replay r) {
        if (r.lines.isEmpty()) {
            return "JVM start (before the first line)";
        }
        String last = r.lines.get(r.lines.size() - 1);
        return switch (word(last, 0)) {
            case "START" -> "framework start";
            case "RECOVERING" -> "recover() at start (journal " + word(last, 1).substring("journal=".length())
                    + ")";
            case "READY", "END" -> "idle (between transactions)";
            case "BEGIN" -> "mid-" + word(last, 1);
            default -> "after " + last;
        };
    }

    private static String word(String line, int i) {
        String[] w = line.split(" ");
        return i < w.length ? w[i] : "";
    }

    private static String value(String line, String key) {
        for (String w : line.split(" ")) {
            if (w.startsWith(key + "=")) {
                return w.substring(key.length() + 1);
            }
        }
        throw new AssertionError("no " + key + "= in " + line);
    }

    // --- the check

    /**
     * Asserts the verifier's state is one version of the package, exactly, and one the log allows.
     *
     * @return that version, or {@code none}
     */
    private String check(Snapshot s, Set<String> allowed, String run) {
        String context = "\nafter kill " + run + " (possible: " + allowed + ")\nstate: " + new Gson().toJson(s)
                + "\n" + tails();
        if (s.historyEntries() < 0) {
            fail("the history is unreadable" + context);
        }
        if (s.journalLeft()) {
            fail("a journal is left after recover()" + context);
        }
        TreeSet<String> observed = s.bundles().stream().map(CrashConsistencyTest::describe)
                .collect(Collectors.toCollection(TreeSet::new));
        String matched = null;
        for (String version : candidates()) {
            if (expectedBundles(version).equals(observed)) {
                matched = version;
            }
        }
        if (matched == null) {
            fail("the framework holds no version's set of bundles but " + observed + context);
        }
        if (!allowed.contains(matched)) {
            fail("the framework is on " + matched + ", neither the old nor the new set of the interrupted "
                    + "transaction" + context);
        }
        if (matched.equals(CrashWorker.NONE)) {
            if (!s.packages().isEmpty()) {
                fail("no bundles, but package records " + s.packages().stream().map(PackageState::version)
                        .toList() + context);
            }
            return matched;
        }
        if (s.packages().size() != 1 || !s.packages().get(0).name().equals(CrashBundles.PACKAGE)) {
            fail("the records do not hold exactly package " + CrashBundles.PACKAGE + context);
        }
        PackageState p = s.packages().get(0);
        if (!p.version().equals(matched)) {
            fail("the framework is on " + matched + " but the record says " + p.version() + context);
        }
        checkRecords(p, context);
        if (p.previous() != null) {
            if (!CrashBundles.GOOD_VERSIONS.contains(p.previous().version())) {
                fail("the rollback target is " + p.previous().version() + context);
            }
            checkRecords(p.previous(), context);
        }
        return matched;
    }

    private void checkRecords(PackageState p, String context) {
        List<String> expected = new ArrayList<>();
        for (Spec spec : CrashBundles.VERSIONS.get(p.version())) {
            expected.add(spec.symbolicName() + " " + spec.version() + " " + jarSha(spec) + " "
                    + TransactionEngine.location(CrashBundles.PACKAGE, spec.symbolicName()) + " ok");
        }
        List<String> actual = p.bundles().stream().map(r -> r.symbolicName() + " " + r.version() + " " + r.sha256()
                + " " + r.location() + " " + r.storeCopy()).toList();
        if (!expected.equals(actual)) {
            fail("the record of " + p.version() + " is " + actual + ", expected " + expected
                    + " (ok = its copy is in the store)" + context);
        }
    }

    private static List<String> candidates() {
        List<String> c = new ArrayList<>(CrashBundles.VERSIONS.keySet());
        c.add(CrashWorker.NONE);
        return c;
    }

    private final Map<Spec, String> jarShas = new LinkedHashMap<>();

    private String jarSha(Spec spec) {
        return jarShas.computeIfAbsent(spec, s -> {
            try {
                return CrashBundles.sha256(Files.readAllBytes(CrashBundles.jarsDir(work).resolve(s.jarName())));
            } catch (IOException e) {
                throw new AssertionError(e);
            }
        });
    }

    private static TreeSet<String> expectedBundles(String version) {
        TreeSet<String> set = new TreeSet<>();
        if (!version.equals(CrashWorker.NONE)) {
            for (Spec spec : CrashBundles.VERSIONS.get(version)) {
                set.add(TransactionEngine.location(CrashBundles.PACKAGE, spec.symbolicName()) + " "
                        + spec.symbolicName() + " " + spec.version() + " marker=" + spec.marker() + " content="
                        + spec.marker() + " payload=" + CrashBundles.sha256(CrashBundles.payload(spec.marker()))
                        + " ACTIVE");
            }
        }
        return set;
    }

    private static String describe(BundleState b) {
        return b.location() + " " + b.symbolicName() + " " + b.version() + " marker=" + b.marker() + " content="
                + b.content() + " payload=" + b.payloadSha() + " " + b.state();
    }

    // --- bookkeeping

    private static final class Stats {
        final Map<String, Integer> phases = new TreeMap<>();
        final Map<String, Integer> recoveryKills = new TreeMap<>();
        final Map<String, Integer> recovered = new TreeMap<>();
        final Map<String, Integer> outcomes = new TreeMap<>();
        final Map<String, Integer> windows = new TreeMap<>();
        final Map<String, Integer> endStates = new TreeMap<>();
        final List<String> csv = new ArrayList<>();
        int workerKills;
        int recoveringKills;
        int transactions;
        double seconds;

        void count(Map<String, Integer> map, String key) {
            map.merge(key, 1, Integer::sum);
        }

        String summary(String failure) {
            StringBuilder sb = new StringBuilder();
            sb.append(String.format("crash consistency: %d kills (%d of workers, %d of recovering processes), %s; "
                    + "%d transactions completed between kills; %.1f s%n", workerKills + recoveringKills,
                    workerKills, recoveringKills, failure == null ? "all consistent" : "FAILED", transactions,
                    seconds));
            table(sb, "where the worker kills landed", phases);
            table(sb, "kills of a recovering process", recoveryKills);
            table(sb, "what the verifier's recover() found", recovered);
            table(sb, "interrupted transactions ended on", outcomes);
            table(sb, "mid-transaction kills by what the next start found", windows);
            table(sb, "package version after each kill", endStates);
            if (failure != null) {
                sb.append("FAILED: ").append(failure).append('\n');
            }
            return sb.toString();
        }

        private static void table(StringBuilder sb, String title, Map<String, Integer> map) {
            sb.append(title).append(':').append('\n');
            map.forEach((k, v) -> sb.append(String.format("  %4d  %s%n", v, k)));
        }
    }

    private static void deleteRecursively(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path f : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(f);
            }
        }
    }
}
