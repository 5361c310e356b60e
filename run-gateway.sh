#!/usr/bin/env bash
# Builds Vigil and starts the gateway on its embedded default: two simulated pumps, one of which develops a
# bearing fault about 30 s after start; alerts go to the log and to data/alerts.jsonl; the web console is on
# http://127.0.0.1:8080/system/console (credentials printed on the first start).
set -euo pipefail
cd "$(dirname "$0")"
mvn -B -q install -DskipTests
exec distribution/target/vigil/bin/vigil
