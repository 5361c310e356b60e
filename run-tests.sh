#!/usr/bin/env bash
# Builds Vigil and runs every test: unit tests of each bundle, then the in-container tests on Felix and on
# Equinox. Installs what the tests need first: the JDK and Maven if missing, and Debian's ONNX backend test
# cases (libonnx-testdata) for the inference engine's conformance test.
set -euo pipefail
cd "$(dirname "$0")"
missing=()
command -v java >/dev/null || missing+=(openjdk-17-jdk-headless)
command -v mvn >/dev/null || missing+=(maven)
[ -d /usr/share/libonnx-testdata/data ] || missing+=(libonnx-testdata)
if [ ${#missing[@]} -gt 0 ]; then
  apt-get update
  apt-get install -y --no-install-recommends "${missing[@]}"
fi
mvn -B clean install "$@"
