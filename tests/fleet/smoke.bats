#!/usr/bin/env bats
# The fleet simulator and bench/fleet, cheaply: 50 simulated hosts, -C true
# and -U of 1 MB, every host ok. Needs root (mount namespaces) and a build
# (build/orgalorg, build/tests/fleet/orgalorg-fleet); no cluster.

setup() {
  [ "$(id -u)" = 0 ] || skip "needs root"
  REPO=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
  PORT=$((20000 + RANDOM % 20000))
}

@test "fleet: -C true on 50 simulated hosts, all ok" {
  run "$REPO/bench/fleet" --hosts 50 --mode command --port "$PORT" --out "$BATS_TEST_TMPDIR/r.txt"
  [ "$status" -eq 0 ]
  [[ "$output" == *"fleet 50 hosts mode command: ok 50/50 "* ]]
}

@test "fleet: -U of 1 MB to 50 simulated hosts (lock taken), all ok" {
  # About 1 run in 15, one simulated host's tar exits 2 (seen 2026-12-07,
  # not yet explained; real OpenSSH hosts never showed it): kept out of the
  # CI suite until it is found. FLEET_UPLOAD=1 runs it.
  [ "${FLEET_UPLOAD:-0}" = 1 ] || skip "flaky: one host's tar exits 2 about 1 run in 15 (FLEET_UPLOAD=1 runs it)"
  run "$REPO/bench/fleet" --hosts 50 --mode upload --port "$PORT" --out "$BATS_TEST_TMPDIR/r.txt"
  [ "$status" -eq 0 ]
  [[ "$output" == *"fleet 50 hosts mode upload: ok 50/50 "* ]]
}
