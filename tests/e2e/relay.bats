#!/usr/bin/env bats
# Relay (--relay[=K]): the upload leaves the client once and flows host to
# host over ssh, each hop's key pinned, the operator's agent forwarded to
# the relay only.

bats_require_minimum_version 1.5.0
load helpers

setup_file() {
  cluster_ensure "${E2E_HOSTS:-6}"
}
teardown_file() { cluster_release; }

setup() { relay_setup 6; }

teardown() {
  "$CLUSTER" heal 1 >/dev/null 2>&1 || true
  "$CLUSTER" start-sshd 1 >/dev/null 2>&1 || true
  stop_agent
  "$CLUSTER" uplink off >/dev/null 2>&1 || true
}



@test "a relayed tree arrives on every host exactly as a flat upload delivers it" {
  cd "$SRC"
  # shellcheck disable=SC2046
  run --separate-stderr "$ORGALORG" -v -x $(all_hosts) -r /srv/relayed -e --relay -U tree
  echo "$stderr"
  [ "$status" -eq 0 ]
  # shellcheck disable=SC2046
  "$ORGALORG" -x $(all_hosts) -r /srv/flat -e -U tree
  # The route: host 0 from the client, the others from a host before them.
  [[ "$stderr" == *"relay: $H0 <- client"* ]]
  [[ "$stderr" == *"relay: $H5 <- $H2"* ]]
  manifest "$SRC/tree" >"$BATS_TEST_TMPDIR/want"
  for i in 0 1 2 3 4 5; do
    "$CLUSTER" exec "$i" "$(declare -f manifest); manifest /srv/relayed/tree" >"$BATS_TEST_TMPDIR/got$i"
    "$CLUSTER" exec "$i" "$(declare -f manifest); manifest /srv/flat/tree" >"$BATS_TEST_TMPDIR/flat$i"
    diff "$BATS_TEST_TMPDIR/want" "$BATS_TEST_TMPDIR/got$i"
    diff "$BATS_TEST_TMPDIR/flat$i" "$BATS_TEST_TMPDIR/got$i"
    "$CLUSTER" exec "$i" '[ "$(stat -c %i /srv/relayed/tree/plain)" = "$(stat -c %i /srv/relayed/tree/hard)" ]'
    # Nothing left behind: no relay directory, no hop key in known_hosts.
    "$CLUSTER" exec "$i" '! ls -d /tmp/orgalorg-relay.* 2>/dev/null'
    "$CLUSTER" exec "$i" "! grep -rs orgalorg-hop ~$U/.ssh /root/.ssh /etc/ssh/ssh_known_hosts"
  done
}

@test "-S --relay: the default sync tool, shipped in the relayed upload, puts files in place on every host" {
  for i in 0 1 2 3 4 5; do
    "$CLUSTER" exec "$i" 'rm -rf /var/run/orgalorg /etc/e2e-relay; test ! -e /usr/lib/orgalorg/sync'
  done
  mkdir -p "$BATS_TEST_TMPDIR/sync/etc/e2e-relay"
  echo "relayed v1" >"$BATS_TEST_TMPDIR/sync/etc/e2e-relay/app.conf"
  cd "$BATS_TEST_TMPDIR/sync"
  # shellcheck disable=SC2046
  run --separate-stderr "$ORGALORG" -vv -x $(all_hosts) -e --relay -S etc
  cp /dev/null /tmp/relay-e2e-sync.err; echo "$stderr" | ts -s '%.s' >/tmp/relay-e2e-sync.err 2>/dev/null || echo "$stderr" >/tmp/relay-e2e-sync.err
  echo "$stderr"
  [ "$status" -eq 0 ]
  for i in 0 1 2 3 4 5; do
    [ "$("$CLUSTER" exec "$i" 'cat /etc/e2e-relay/app.conf')" = "relayed v1" ]
    [ -z "$("$CLUSTER" exec "$i" 'ls -A /var/run/orgalorg 2>/dev/null')" ]
  done
}


# Host 1 relays to hosts 3 and 4 (fan-out 2): wait until host 3 is receiving.
await_host3_receiving() {  # dest
  await 20 "$CLUSTER" exec 3 "test -s $1/big.bin"
}

expect_all_but_host1() {  # dest
  local rc=0
  wait "$RUN_PID" || rc=$?
  ELAPSED_MS=$((($(now_us) - START_US) / 1000))
  { echo "rc $rc after $ELAPSED_MS ms"; cat "$BATS_TEST_TMPDIR/err"; } | tee "/tmp/relay-e2e-$BATS_TEST_NUMBER.err"
  [ "$rc" -eq 1 ]
  ((ELAPSED_MS < 40000))
  grep -F "commands are failed on 1 out of 6 nodes" "$BATS_TEST_TMPDIR/err" >/dev/null
  grep -A2 -F -- "─ $H1" "$BATS_TEST_TMPDIR/err" >/dev/null
  for i in 0 2 3 4 5; do
    [ "$("$CLUSTER" exec "$i" "cmp $1/big.bin - && echo same" <"$BATS_TEST_TMPDIR/big.bin")" = same ]
  done
}

@test "a middle relay host's sshd killed mid-stream: it is named, the hosts below it still get every byte" {
  start_big_relay /tmp/relay-kill
  await_host3_receiving /tmp/relay-kill
  # The listener and every connection it serves on host 1 (not other hosts').
  below=$(descendants "$(cat "$CLUSTER_DIR/hosts/1/sshd.pid")")
  "$CLUSTER" kill-sshd 1
  # shellcheck disable=SC2086
  kill -9 $below 2>/dev/null || true
  expect_all_but_host1 /tmp/relay-kill
  grep -F "sending the upload to them again" "$BATS_TEST_TMPDIR/err" >/dev/null
  "$CLUSTER" start-sshd 1
}

@test "a relay host's link cut mid-stream: it is named, the hosts below it still get every byte, in bounded time" {
  start_big_relay /tmp/relay-cut
  await_host3_receiving /tmp/relay-cut
  "$CLUSTER" cut 1
  expect_all_but_host1 /tmp/relay-cut
  "$CLUSTER" heal 1
}

@test "Ctrl-C mid-relay leaves no receiver, tee, hop or cat on any host" {
  start_big_relay /tmp/relay-int
  await_host3_receiving /tmp/relay-int
  kill -INT "$RUN_PID"
  rc=0
  wait "$RUN_PID" || rc=$?
  [ "$rc" -eq 130 ]
  RUN_PID=  # it has ended: await the hosts, not the run
  await 10 no_relay_process
}

descendants() {  # PID: every process below it (by parent pid)
  ps -eo pid=,ppid= | awk -v root="$1" '
    { parent[$1] = $2 }
    END { for (p in parent) { q = p; while (q in parent && q != root && q > 1) q = parent[q]; if (q == root) print p } }'
}

no_relay_process() {
  # Bracketed: the pattern must not match the grep that looks for it.
  [ "$(live_matching '[o]rgalorg-relay')" -eq 0 ] && [ "$(live_matching '[t]ee --output-error=warn-nopipe')" -eq 0 ]
}

@test "a changed host key on a middle host: orgalorg refuses it without a prompt and relays around it" {
  # The client's known_hosts holds another key for host 1 (the others are
  # new to it and recorded).
  ssh-keygen -q -t ed25519 -N '' -f "$BATS_TEST_TMPDIR/other"
  echo "$IP1 $(cut -d' ' -f1,2 "$BATS_TEST_TMPDIR/other.pub")" >"$HOME/.ssh/known_hosts"
  cd "$SRC"
  # shellcheck disable=SC2046
  run --separate-stderr timeout 60 "$ORGALORG" -y -w -v $(all_hosts) -r /tmp/relay-key -e --relay -U tree </dev/null
  echo "$stderr"
  # -w: the refused host is skipped with a warning, as an unreachable one.
  [ "$status" -eq 0 ]
  [[ "$stderr" == *"warning: skipping unreachable node $H1"* ]]
  [[ "$stderr" == *"host key for $IP1 has changed"* ]]
  # Host 1 is not in the tree: host 2's hosts are fed by host 0.
  [[ "$stderr" != *"<- $H1"* ]]
  for i in 0 2 3 4 5; do
    [ "$("$CLUSTER" exec "$i" "cmp /tmp/relay-key/tree/sub/big.bin - && echo same" <"$SRC/tree/sub/big.bin")" = same ]
  done
}

@test "with -k and no agent, a private agent holds the run's key for the upload and is gone after it" {
  kill "$SSH_AGENT_PID"
  unset SSH_AUTH_SOCK SSH_AGENT_PID
  cd "$SRC"
  # shellcheck disable=SC2046
  run --separate-stderr "$ORGALORG" -y -v -k "$HOME/.ssh/id_ed25519" $(all_hosts) -r /tmp/relay-k -e --relay -U tree
  echo "$stderr"
  [ "$status" -eq 0 ]
  [[ "$stderr" == *"a private ssh-agent holds the run's 1 key(s)"* ]]
  for i in 0 1 2 3 4 5; do
    [ "$("$CLUSTER" exec "$i" "cmp /tmp/relay-k/tree/sub/big.bin - && echo same" <"$SRC/tree/sub/big.bin")" = same ]
  done
  [ "$(live_matching '[s]sh-agent -D -a .*orgalorg-agent')" -eq 0 ]
  [ -z "$(ls -d "${TMPDIR:-/tmp}"/orgalorg-agent.* 2>/dev/null)" ]
}
