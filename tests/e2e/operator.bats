#!/usr/bin/env bats
# Operator features: --failed-hosts fed back with -o, --timeout, --fold, and
# handshakes refused by sshd's MaxStartups being retried.

bats_require_minimum_version 1.5.0
load helpers
uses_cluster 5

setup() {
  orgalorg_env
  name_hosts 4
  FAILED=$BATS_TEST_TMPDIR/failed
}

teardown() {
  # The extra sshd of the MaxStartups test, if it is still there.
  local pid_file=$CLUSTER_DIR/hosts/4/maxstartups.pid
  if [[ -s $pid_file ]]; then kill "$(cat "$pid_file")" 2>/dev/null || true; fi
  rm -f "$pid_file"
}

@test "--failed-hosts lists each host that did not succeed with its cause; -o re-runs exactly those" {
  # orgc1 fails, port 2 of host 0 refuses, the others succeed (-w goes on).
  run --separate-stderr "$ORGALORG" -y -w -c 3000 --failed-hosts "$FAILED" \
    -o "$H0" -o "$H1" -o "$H2" -o "$H0:2" -C -- \
    'if [ "$(hostname)" = orgc1 ]; then exit 3; fi; echo fine'
  [ "$status" -eq 1 ]
  [ "$(cat "$FAILED")" = "$H1  # exit code 3
$H0:2  # can't connect to $H0:2: connection refused" ]
  # Fed back: only those two are tried (the refused one is skipped with -w).
  run --separate-stderr "$ORGALORG" -y -w -c 3000 -o "$FAILED" --failed-hosts "$FAILED" -C -- hostname
  [ "$status" -eq 0 ]
  [ "$output" = "$H1 orgc1" ]
  [ "$(cat "$FAILED")" = "$H0:2  # can't connect to $H0:2: connection refused" ]
  # All good: the file is emptied, not left stale.
  run --separate-stderr "$ORGALORG" -y -o "$H1" --failed-hosts "$FAILED" -C -- true
  [ "$status" -eq 0 ]
  [ -f "$FAILED" ] && [ ! -s "$FAILED" ]
  # Without -w an unreachable host stops the run: every host is listed.
  run --separate-stderr "$ORGALORG" -y -c 3000 --failed-hosts "$FAILED" -o "$H0" -o "$H0:2" -C -- true
  [ "$status" -eq 1 ]
  [ "$(cat "$FAILED")" = "$H0  # not done: the run stopped on an error elsewhere
$H0:2  # can't connect to $H0:2: connection refused" ]
  # A file that can't be written is refused before anything runs.
  run --separate-stderr "$ORGALORG" -y --failed-hosts "$BATS_TEST_TMPDIR/no/such/dir" -o "$H0" -C -- echo ran
  [ "$status" -eq 1 ]
  [ -z "$output" ]
  [[ "$stderr" == *"--failed-hosts"*"no/such/dir"*"No such file or directory"* ]]
}

@test "--timeout stops the command on the slow host only, leaving nothing running there" {
  for sudo in "" -x; do
    start=$(date +%s%N)
    run --separate-stderr "$ORGALORG" $sudo -y --timeout 1500 -o "$H0" -o "$H1" -C -- \
      'if [ "$(hostname)" = orgc1 ]; then sleep 327 & sleep 328; echo never; fi; echo done'
    elapsed_ms=$(( ($(date +%s%N) - start) / 1000000 ))
    [ "$status" -eq 1 ]
    [ "$output" = "$H0 done" ]
    [[ "$stderr" == *"commands are failed on 1 out of 2 nodes"*"$H1"*"timed out after 1500 ms"* ]]
    [ "$elapsed_ms" -ge 1500 ]
    [ "$elapsed_ms" -lt 8000 ]
    [ "$(live_matching '^sleep 32[78]')" -eq 0 ]
  done
  # The lock (taken without -y) is released too, and a sync tool is bound the same way.
  run --separate-stderr "$ORGALORG" -x --timeout 1000 -o "$H2" -S --no-upload -m -n 'sleep 329'
  [ "$status" -eq 1 ]
  [[ "$stderr" == *"$H2"*"timed out after 1000 ms"* ]]
  [ "$(live_matching '^sleep 329')" -eq 0 ]
  "$CLUSTER" exec 2 'flock -nx / true'
}

@test "sshd with MaxStartups 5 and 50 hosts: refused handshakes are retried and all succeed" {
  # One extra sshd in host 4 that lets at most 5 handshakes in at once; 50
  # distinct hosts (ms1..ms50 in ~/.ssh/config) all lead to it.
  local dir=$CLUSTER_DIR/hosts/4 ip
  ip=$(host_ip 4)
  { grep -v -e '^ListenAddress' -e '^MaxStartups' -e '^PidFile' "$dir/sshd_config"
    echo "ListenAddress $ip:2201"
    echo "MaxStartups 5"
    echo "PidFile $dir/maxstartups.pid"
  } >"$dir/maxstartups_config"
  : >"$dir/maxstartups.log"
  "$CLUSTER" exec 4 "/usr/sbin/sshd -f $dir/maxstartups_config -E $dir/maxstartups.log"
  printf 'Host ms*\n  HostName %s\n  Port 2201\n' "$ip" >"$HOME/.ssh/config"
  run --separate-stderr "$ORGALORG" -y -d 50 -o "$U@ms[1-50]" -C -- echo up
  rm -f "$HOME/.ssh/config"
  [ "$status" -eq 0 ]
  [ "$(grep -c ' up$' <<<"$output")" -eq 50 ]
  # sshd did refuse some: the retry is what made them pass.
  grep -q 'MaxStartups' "$dir/maxstartups.log"
}

@test "--fold prints identical output once, largest group first, then the hosts per exit code" {
  run --separate-stderr "$ORGALORG" -y --fold -o "$U@10.231.0.[1-5]" -C -- \
    'echo same; if [ "$(hostname)" = orgc2 ]; then echo different; exit 4; fi'
  [ "$status" -eq 1 ]
  [ "$output" = "---- $U@10.231.0.[1-2,4-5] (4) ----
same
---- $U@10.231.0.3 (1) ----
same
different
==== exit code 0: $U@10.231.0.[1-2,4-5] (4)
==== exit code 4: $U@10.231.0.3 (1)" ]
  [[ "$stderr" == *"$U@10.231.0.3: exit code 4"* ]]
  # 5 MB per host, far past the 64 KiB kept in memory: spilled, folded the
  # same, byte for byte, with bounded memory and no file left behind.
  export TMPDIR=$BATS_TEST_TMPDIR/spill
  mkdir -p "$TMPDIR"
  run --separate-stderr /usr/bin/time -f %M -o "$BATS_TEST_TMPDIR/rss" "$ORGALORG" -y --fold \
    -o "$U@10.231.0.[1-5]" -C -- 'head -c 5000000 /dev/zero | tr "\0" x; echo; echo end'
  [ "$status" -eq 0 ]
  [ "$(sed -n 1p <<<"$output")" = "---- $U@10.231.0.[1-5] (5) ----" ]
  [ "$(sed -n 2p <<<"$output")" = "$(head -c 5000000 /dev/zero | tr '\0' x)" ]
  [ "$(sed -n 3,4p <<<"$output")" = "end
==== exit code 0: $U@10.231.0.[1-5] (5)" ]
  [ "$(tail -1 "$BATS_TEST_TMPDIR/rss")" -lt "$RSS_BOUND_KB" ]
  [ -z "$(ls -A "$TMPDIR")" ]
}
