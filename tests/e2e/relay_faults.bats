#!/usr/bin/env bats
# Relay (--relay) under faults: a host whose disk fills, a relay host that
# dies after the hosts below it saw their stream end, a receiver killed
# with SIGKILL. The hosts below a failed one still get every byte; only
# the failed host is named; nothing is left on any host.
#
# Shape with 6 hosts and the default fan-out 2: 0 <- client, 1 and 2 <- 0,
# 3 and 4 <- 1, 5 <- 2.

bats_require_minimum_version 1.5.0
load helpers

setup_file() {
  cluster_ensure "${E2E_HOSTS:-6}"
}
teardown_file() { cluster_release; }

setup() { relay_setup 6; }

teardown() {
  [ -z "${RUN_PID:-}" ] || kill "$RUN_PID" 2>/dev/null || true
  "$CLUSTER" exec 1 'umount /srv/full 2>/dev/null; true' || true
  "$CLUSTER" start-sshd 1 >/dev/null 2>&1 || true
  stop_agent
  "$CLUSTER" uplink off >/dev/null 2>&1 || true
}


same_file_on() {  # I FILE LOCAL
  [ "$("$CLUSTER" exec "$1" "cmp $2 - && echo same" <"$3")" = same ]
}

# A host whose connection was lost keeps its receiver's directory (nothing
# can reach it): earlier tests' leftovers are cleared before a test checks.
clear_relay_dirs() {
  local i
  for i in 0 1 2 3 4 5; do "$CLUSTER" exec "$i" 'rm -rf /tmp/orgalorg-relay.*'; done
}

no_relay_dir_anywhere() {
  local i
  for i in 0 1 2 3 4 5; do
    "$CLUSTER" exec "$i" '! ls -d /tmp/orgalorg-relay.* 2>/dev/null' || return 1
  done
}


finish_big_relay() {
  rc=0
  wait "$RUN_PID" || rc=$?
  RUN_PID=
  ELAPSED_MS=$((($(now_us) - START_US) / 1000))
  { echo "rc $rc after $ELAPSED_MS ms"; cat "$ERR"; } | tee "$BATS_RUN_TMPDIR/relay-faults-$BATS_TEST_NUMBER.err"
  cp "$BATS_RUN_TMPDIR/relay-faults-$BATS_TEST_NUMBER.err" /tmp/ 2>/dev/null || true
}

@test "a middle relay host whose disk fills is named with its cause; the hosts below it get the exact tree" {
  # Host 1 (it relays to hosts 3 and 4) has 1 MiB where the 3 MB tree goes.
  "$CLUSTER" exec 1 'mkdir -p /srv/full && mount -t tmpfs -o size=1m,mode=0755 relayfull /srv/full'
  for i in 0 2 3 4 5; do "$CLUSTER" exec "$i" 'rm -rf /srv/full'; done
  clear_relay_dirs
  cd "$SRC"
  ERR=$BATS_TEST_TMPDIR/err
  # shellcheck disable=SC2046
  run --separate-stderr timeout 60 "$ORGALORG" -x $(all_hosts) -r /srv/full -e --relay -U tree
  echo "$stderr" >"$ERR"
  cat "$ERR"
  [ "$status" -eq 1 ]
  err_has "commands are failed on 1 out of 6 nodes"
  # GNU tar says "Wrote only N of M bytes" or "No space left on device".
  grep -A3 -F -- "─ $H1" "$ERR" | grep -E "No space left on device|Wrote only"
  ! err_has "sending the upload to them again"  # Nobody lost their feed.
  manifest "$SRC/tree" >"$BATS_TEST_TMPDIR/want"
  for i in 0 2 3 4 5; do
    "$CLUSTER" exec "$i" "$(declare -f manifest); manifest /srv/full/tree" >"$BATS_TEST_TMPDIR/got$i"
    diff "$BATS_TEST_TMPDIR/want" "$BATS_TEST_TMPDIR/got$i"
  done
  no_relay_dir_anywhere
}

@test "a relay host dies after the hosts below it saw their stream end: they are sent the upload again, not failed" {
  start_big_relay /tmp/relay-race
  await 20 "$CLUSTER" exec 3 "test -s /tmp/relay-race/big.bin"
  # The client hears nothing more from host 1 (its sshd frozen) while its
  # hops die: hosts 3 and 4 see their stream end first...
  "$CLUSTER" kill-sshd 1
  # shellcheck disable=SC2046
  kill -STOP $(pids_on 1 '^sshd')
  # shellcheck disable=SC2046
  kill -9 $(pids_on 1 '^ssh -T -F /dev/null')
  await 10 gone_on 3 'orgalorg-relay-ready'
  await 10 gone_on 4 'orgalorg-relay-ready'
  # ... and only then does host 1's connection die.
  # shellcheck disable=SC2046
  kill -9 $(pids_on 1 '^sshd|orgalorg-relay-ready|^perl -e .SIG|^tee |^tar ')
  finish_big_relay
  [ "$rc" -eq 1 ]
  ((ELAPSED_MS < 60000))
  err_has "commands are failed on 1 out of 6 nodes"
  grep -A2 -F -- "─ $H1" "$ERR" >/dev/null
  grep -F "sending the upload to them again" "$ERR" | grep -F "$H3" | grep -F "$H4"
  for i in 0 2 3 4 5; do same_file_on "$i" /tmp/relay-race/big.bin "$BATS_TEST_TMPDIR/big.bin"; done
  "$CLUSTER" exec 1 'rm -rf /tmp/orgalorg-relay.*'  # The lost host's, out of reach.
}

@test "a receiver killed with SIGKILL: that host is named, the others get every byte, no relay directory is left anywhere" {
  clear_relay_dirs
  start_big_relay /tmp/relay-sigkill
  await 20 "$CLUSTER" exec 3 "test -s /tmp/relay-sigkill/big.bin"
  # Host 0's receiver (the shell and its subshells: tee, hop reporters).
  # shellcheck disable=SC2046
  kill -9 $(pids_on 0 'orgalorg-relay-ready')
  finish_big_relay
  [ "$rc" -eq 1 ]
  ((ELAPSED_MS < 40000))
  err_has "commands are failed on 1 out of 6 nodes"
  grep -A2 -F -- "─ $H0" "$ERR" | grep -F "KILL"
  for i in 1 2 3 4 5; do same_file_on "$i" /tmp/relay-sigkill/big.bin "$BATS_TEST_TMPDIR/big.bin"; done
  no_relay_dir_anywhere
  # The receivers the client stopped are not reported as errors under -v.
  ! grep -E '(^|[ :])(Terminated|Killed)( |$)' "$ERR"
}
