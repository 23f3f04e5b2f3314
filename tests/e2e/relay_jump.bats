#!/usr/bin/env bats
# --relay through a jump host (-J): hosts 1..4 are hidden behind host 0
# (`cluster isolate 1 2 3 4 --via 0`); the archive crosses the bastion once,
# to the first hidden host, then flows between the hidden hosts, which
# reach each other directly.

bats_require_minimum_version 1.5.0
load helpers

setup_file() {
  cluster_ensure 5
  "$CLUSTER" isolate 1 2 3 4 --via 0
}

teardown_file() {
  "$CLUSTER" unisolate 1 2 3 4
  cluster_release
}

setup() {
  relay_setup 5
  ERR=$BATS_TEST_TMPDIR/err
}

teardown() {
  stop_agent
}

bastion_tx() { "$CLUSTER" exec 0 'cat /sys/class/net/eth0/statistics/tx_bytes'; }

@test "-J with --relay: the upload crosses the bastion once, every hidden host gets the exact tree" {
  head -c 20000000 /dev/urandom >"$SRC/tree/sub/bulk.bin"
  cd "$SRC"
  before=$(bastion_tx)
  run --separate-stderr timeout 120 "$ORGALORG" -v -x -J "$H0" -o "$H1" -o "$H2" -o "$H3" -o "$H4" \
    -r /srv/relay-jump -e --relay -U tree
  after=$(bastion_tx)
  echo "$stderr" >"$ERR"
  cat "$ERR"
  [ "$status" -eq 0 ]
  # The route: host 1 from the client (through the bastion), the others
  # from hidden hosts.
  err_has "relay: $H1 <- client"
  err_has "relay: $H4 <- $H2"
  manifest "$SRC/tree" >"$BATS_TEST_TMPDIR/want"
  for i in 1 2 3 4; do
    "$CLUSTER" exec "$i" "$(declare -f manifest); manifest /srv/relay-jump/tree" >"$BATS_TEST_TMPDIR/got$i"
    diff "$BATS_TEST_TMPDIR/want" "$BATS_TEST_TMPDIR/got$i"
  done
  # The bastion sent about one archive (23 MB) on, not four (a flat upload).
  sent=$((after - before))
  echo "bastion sent $sent bytes"
  ((sent > 23000000))
  ((sent < 2 * 23000000))
}
