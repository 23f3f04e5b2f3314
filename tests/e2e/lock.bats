#!/usr/bin/env bats
# The global cluster lock (-L, and the lock every mode takes unless -y).

bats_require_minimum_version 1.5.0
load helpers
uses_cluster 3

setup() {
  orgalorg_env
  name_hosts 3
}

teardown() {
  if [ -n "${LOCK_PID:-}" ]; then kill -INT "$LOCK_PID" 2>/dev/null || true; wait "$LOCK_PID" || true; fi
}

# Starts `orgalorg -L` in the background and waits until it holds the lock.
hold_lock() {
  "$ORGALORG" "$@" -L 2>"$BATS_TEST_TMPDIR/lock.err" &
  LOCK_PID=$!
  RUN_PID=$LOCK_PID await 10 grep -q 'waiting for interrupt' "$BATS_TEST_TMPDIR/lock.err" && return 0
  cat "$BATS_TEST_TMPDIR/lock.err" >&2
  return 1
}

# True when `flock -nx <path>` can be taken on host I right now.
unlocked_on() {
  "$CLUSTER" exec "$1" "flock -nx ${2:-/} true"
}

@test "a second run fails naming the locked host; the first is unharmed; -L + SIGINT unlocks all" {
  hold_lock -o "$H0" -o "$H1"
  ! unlocked_on 0
  ! unlocked_on 1
  run --separate-stderr "$ORGALORG" -o "$H1" -o "$H2" -C -- echo ran
  [ "$status" -eq 1 ]
  [ -z "$output" ]
  [[ "$stderr" == *"$H1: can't acquire lock, lock already obtained by another process or unavailable"* ]]
  [[ "$stderr" != *"$H2: can't acquire"* ]]
  unlocked_on 2  # the loser left nothing behind
  kill -0 "$LOCK_PID"
  kill -INT "$LOCK_PID"
  wait "$LOCK_PID" && status=0 || status=$?
  LOCK_PID=
  [ "$status" -eq 130 ]
  unlocked_on 0
  unlocked_on 1
}

@test "a busy lock names its holder; the note goes when the lock is released" {
  hold_lock --lock-file /tmp/e2e.lock -o "$H0"
  run --separate-stderr "$ORGALORG" --lock-file /tmp/e2e.lock -o "$H0" -C -- echo ran
  [ "$status" -eq 1 ]
  [[ "$stderr" == *"held by $(id -un)@$(hostname) pid $LOCK_PID since "* ]]
  "$CLUSTER" exec 0 'test -L /tmp/e2e.lock.orgalorg-lock-owner'  # a symlink holding the owner text
  kill -INT "$LOCK_PID"
  wait "$LOCK_PID" || true
  LOCK_PID=
  "$CLUSTER" exec 0 '! test -e /tmp/e2e.lock.orgalorg-lock-owner && ! test -L /tmp/e2e.lock.orgalorg-lock-owner'
}

@test "-t warns about the locked host and goes on" {
  hold_lock -o "$H0"
  run --separate-stderr "$ORGALORG" -t -o "$H0" -o "$H1" -C -- echo ran
  [ "$status" -eq 0 ]
  [[ "$stderr" == *"warning"*"$H0: can't acquire lock"* ]]
  [[ "$output" == *"$H1 ran"* ]]
}

@test "-y does not lock" {
  hold_lock -o "$H0"
  run --separate-stderr "$ORGALORG" -y -o "$H0" -C -- echo ran
  [ "$status" -eq 0 ]
  [ "$output" = "$H0 ran" ]
}

@test "the lock is held while the command runs and released after" {
  run --separate-stderr "$ORGALORG" -o "$H0" -C -- 'flock -nx / true && echo free || echo held'
  [ "$status" -eq 0 ]
  [ "$output" = "$H0 held" ]
  unlocked_on 0
}

@test "two runs started together: never both win, and no lock is left" {
  for round in $(seq 20); do
    "$ORGALORG" -o "$H0" -o "$H1" -o "$H2" -C -- 'sleep 0.3' >/dev/null 2>&1 & a=$!
    "$ORGALORG" -o "$H2" -o "$H1" -o "$H0" -C -- 'sleep 0.3' >/dev/null 2>&1 & b=$!
    wait $a && ra=0 || ra=$?
    wait $b && rb=0 || rb=$?
    if [ "$ra" -eq 0 ] && [ "$rb" -eq 0 ]; then echo "round $round: both won"; return 1; fi
    for i in 0 1 2; do unlocked_on $i; done
  done
}

@test "a killed lock holder aborts the run with exit 2 naming the host and heartbeat" {
  hold_lock -j 1000 -o "$H0" -o "$H1"
  pids=$(holder_pids 1)
  [ -n "$pids" ]
  kill $pids
  wait "$LOCK_PID" && status=0 || status=$?
  LOCK_PID=
  cat "$BATS_TEST_TMPDIR/lock.err"
  [ "$status" -eq 2 ]
  grep "heartbeat" "$BATS_TEST_TMPDIR/lock.err" | grep "$H1" >/dev/null
  unlocked_on 0
}

# Pids of host I's lock holder (hosts share the machine's pid namespace).
holder_pids() {
  local pid
  for pid in $(ip netns pids "orgc$1"); do
    if tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep 'exec 9<' >/dev/null; then echo "$pid"; fi
  done
}

@test "a holder slow to answer keeps the run going; one that stops answering loses it within -j" {
  # -j 3000: a PING every 2400 ms, each answer due within 3000 ms.
  hold_lock -j 3000 -o "$H0" -o "$H1"
  pids=$(holder_pids 1)
  [ -n "$pids" ]
  # Frozen for 2.8 s (the fault itself, not a wait for a condition): a
  # PING sent meanwhile is answered late, but within 3000 ms. (A rule that
  # wanted each answer before the next PING, 2400 ms, would abort here, as
  # it did on 200 hosts too loaded to run every holder in time.)
  kill -STOP $pids
  sleep 2.8
  kill -CONT $pids
  kill -0 "$LOCK_PID"
  ! grep heartbeat "$BATS_TEST_TMPDIR/lock.err"
  # Frozen for good: lost between 3000 and 5400 ms after the last answer.
  kill -STOP $pids
  start=$(date +%s%N)
  wait "$LOCK_PID" && status=0 || status=$?
  elapsed_ms=$(( ($(date +%s%N) - start) / 1000000 ))
  LOCK_PID=
  kill -CONT $pids 2>/dev/null || true
  cat "$BATS_TEST_TMPDIR/lock.err"
  [ "$status" -eq 2 ]
  grep -F "heartbeat lost on $H1: no heartbeat answer within 3000 ms" "$BATS_TEST_TMPDIR/lock.err"
  [ "$elapsed_ms" -lt 12000 ]
  unlocked_on 0
}

@test "a cut link aborts the run with exit 2 within the heartbeat interval" {
  hold_lock -j 1000 -o "$H0" -o "$H1"
  "$CLUSTER" cut 1
  start=$(date +%s%N)
  wait "$LOCK_PID" && status=0 || status=$?
  elapsed_ms=$(( ($(date +%s%N) - start) / 1000000 ))
  LOCK_PID=
  "$CLUSTER" heal 1
  [ "$status" -eq 2 ]
  grep "heartbeat" "$BATS_TEST_TMPDIR/lock.err" | grep "$H1" >/dev/null
  [ "$elapsed_ms" -lt 5000 ]
  unlocked_on 0
}

@test "a missing -r directory is created and locked as a directory" {
  "$CLUSTER" exec 0 'rm -rf /srv/lockdir'
  run --separate-stderr "$ORGALORG" -x -o "$H0" -r /srv/lockdir/sub -C -- 'flock -nx /srv/lockdir/sub true && echo free || echo held'
  [ "$status" -eq 0 ]
  [ "$output" = "$H0 held" ]
  "$CLUSTER" exec 0 'test -d /srv/lockdir/sub'
}
