#!/usr/bin/env bash
# The long run of the deployment engine's crash-consistency test (docs/deployment-crash-consistency.md):
# 200 SIGKILLs of a process deploying packages on a persistent Felix, each followed by a restart, recover() and
# a check that the framework holds the old or the new set of bundles and that the records agree.
#
#   bench/crash-consistency.sh                 200 kills, the default seed
#   KILLS=500 SEED=7 bench/crash-consistency.sh
#
# Needs io.vigil.api installed in the local repository (mvn -q install -pl bundles/io.vigil.api) and takes about
# 1.2 s per kill on the 2-core build machine. Prints the summary; the per-kill table is in
# bundles/io.vigil.deploy/target/crash-consistency/bench-<time>/kills.csv, every process's log next to it in logs/.
set -euo pipefail
cd "$(dirname "$0")/.."
kills="${KILLS:-200}"
seed="${SEED:-20261125}"
out="$PWD/bundles/io.vigil.deploy/target/crash-consistency/bench-$(date +%Y%m%d-%H%M%S)"
log=$(mktemp)
trap 'rm -f "$log"' EXIT

echo "machine: $(nproc) cores, $(lscpu | sed -n 's/^Model name: *//p'), load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "java: $(java -version 2>&1 | head -1)"
echo "kills: $kills, seed: $seed, output: $out"
start=$(date +%s)
status=0
mvn -q -o test -pl bundles/io.vigil.deploy -Dtest=CrashConsistencyTest -Dvigil.crash.kills="$kills" \
  -Dvigil.crash.seed="$seed" -Dvigil.crash.dir="$out" -Dsurefire.failIfNoSpecifiedTests=false >"$log" 2>&1 || status=$?
echo "wall time (with the build): $(( $(date +%s) - start )) s"
echo
if [ -f "$out/summary.txt" ]; then
  cat "$out/summary.txt"
else
  echo "no summary: the test did not get as far as its first kill"
fi
if [ "$status" -ne 0 ]; then
  echo
  echo "FAILED (mvn exit $status); the end of the build output:"
  tail -80 "$log"
fi
exit "$status"
