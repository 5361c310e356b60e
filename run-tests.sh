#!/usr/bin/env bash
# Builds Vigil and runs every test: unit tests of each bundle, then the in-container tests on Felix and on
# Equinox. Installs what the tests need first: the JDK and Maven if missing, Debian's ONNX backend test
# cases (libonnx-testdata) for the inference engine's conformance test, and Debian's mosquitto broker for the
# MQTT cloud connection's tests. The tests run mosquitto themselves, as a child process on a free loopback port
# with a private configuration (io.vigil.cloud.mqtt.testing.MosquittoBroker); no system service is started or used.
set -euo pipefail
cd "$(dirname "$0")"
missing=()
command -v java >/dev/null || missing+=(openjdk-17-jdk-headless)
command -v mvn >/dev/null || missing+=(maven)
[ -d /usr/share/libonnx-testdata/data ] || missing+=(libonnx-testdata)
[ -x /usr/sbin/mosquitto ] || command -v mosquitto >/dev/null || missing+=(mosquitto)
if [ ${#missing[@]} -gt 0 ]; then
  # Package scripts must not start services (mosquitto's postinst would start a broker on port 1883): a
  # policy-rc.d that denies every start, for the length of the install, unless the host already has one.
  added_policy=
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    added_policy=yes
    printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
    chmod 755 /usr/sbin/policy-rc.d
    trap 'rm -f /usr/sbin/policy-rc.d' EXIT
  fi
  apt-get update
  apt-get install -y --no-install-recommends "${missing[@]}"
  if [ -n "$added_policy" ]; then
    rm -f /usr/sbin/policy-rc.d
    trap - EXIT
  fi
fi
mvn -B clean install "$@"
