#!/usr/bin/env bash
# Builds Vigil and runs every test: unit tests of each bundle, then the in-container tests on Felix and on
# Equinox. Installs what the tests need first (nothing beyond the JDK and Maven so far).
set -euo pipefail
cd "$(dirname "$0")"
missing=()
command -v java >/dev/null || missing+=(openjdk-17-jdk-headless)
command -v mvn >/dev/null || missing+=(maven)
if [ ${#missing[@]} -gt 0 ]; then
  apt-get update
  apt-get install -y --no-install-recommends "${missing[@]}"
fi
mvn -B clean install "$@"
