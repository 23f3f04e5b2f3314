#!/usr/bin/env bats
# Command mode (-C) against the local cluster: output, exit codes, remote
# command line, stdin, sudo, JSON, timeouts, host keys.

bats_require_minimum_version 1.5.0
load helpers
uses_cluster 3

setup() {
  orgalorg_env
  name_hosts 3
}

@test "runs a command on every host with host-prefixed output" {
  run --separate-stderr "$ORGALORG" -y -o "$H0" -o "$H1" -o "$H2" -C -- echo hello
  [ "$status" -eq 0 ]
  [ "$(echo "$output" | sort)" = "$(printf '%s hello\n' "$H0" "$H1" "$H2" | sort)" ]
}

@test "a node range expands to the cluster's addresses, in -o, in a hosts file and on stdin" {
  # Hosts 0..2 are 10.231.0.1 .. 10.231.0.3.
  [ "$IP0 $IP1 $IP2" = "10.231.0.1 10.231.0.2 10.231.0.3" ]
  want=$(printf '%s\n' "$H0 orgc0" "$H1 orgc1" "$H2 orgc2")
  run --separate-stderr "$ORGALORG" -y -o "$U@10.231.0.[1-3]:22" -C hostname
  [ "$status" -eq 0 ]
  [ "$(sort <<<"$output")" = "$(sed 's/ /:22 /' <<<"$want")" ]
  printf '# two hosts from a list\n%s@10.231.0.[1,3]\n' "$U" >"$BATS_TEST_TMPDIR/hosts"
  run --separate-stderr "$ORGALORG" -y -o "$BATS_TEST_TMPDIR/hosts" -C hostname
  [ "$status" -eq 0 ]
  [ "$(sort <<<"$output")" = "$(grep -v orgc1 <<<"$want")" ]
  run --separate-stderr "$ORGALORG" -y -s -C hostname <<<"$U@10.231.0.[2-3]"
  [ "$status" -eq 0 ]
  [ "$(sort <<<"$output")" = "$(grep -v orgc0 <<<"$want")" ]
  # A bad range is named and nothing runs.
  run --separate-stderr "$ORGALORG" -y -o "$U@10.231.0.[3-1]" -C hostname
  [ "$status" -ne 0 ]
  [ -z "$output" ]
  [[ "$stderr" == *'invalid range "[3-1]"'*"start after end"* ]]
}

@test "stderr of the hosts goes to stderr, a last line without newline gets one" {
  run --separate-stderr "$ORGALORG" -y -o "$H0" -C -- 'echo out; echo err >&2; printf tail'
  [ "$status" -eq 0 ]
  [ "$output" = "$(printf '%s out\n%s tail' "$H0" "$H0")" ]
  [[ "$stderr" == *"$H0 err"* ]]
}

@test "the user's words reach the remote shell as typed" {
  run --separate-stderr "$ORGALORG" -y -o "$H0" -C -- 'x=1; echo "$x" | tr 1 2 && echo $((3+4))'
  [ "$status" -eq 0 ]
  [ "$output" = "$(printf '%s 2\n%s 7' "$H0" "$H0")" ]
}

@test "a failing host is named and the exit status is 1" {
  run --separate-stderr "$ORGALORG" -y -o "$H0" -o "$H1" -C -- \
    "if [ \$(hostname -I | tr -d ' ') = $IP1 ]; then exit 3; fi; echo fine"
  [ "$status" -eq 1 ]
  [[ "$stderr" == *"commands are failed on 1 out of 2 nodes"* ]]
  [[ "$stderr" == *"$H1: exit code 3"* ]]
  [[ "$output" == *"$H0 fine"* ]]
}

@test "all hosts failing groups the exit codes" {
  run --separate-stderr "$ORGALORG" -y -o "$H0" -o "$H1" -o "$H2" -C -- exit 17
  [ "$status" -eq 1 ]
  [[ "$stderr" == *"commands are failed on all 3 nodes"* ]]
  [[ "$stderr" == *"code 17 (3 nodes)"* ]]
}

@test "-q writes raw output" {
  run --separate-stderr "$ORGALORG" -y -q -o "$H0" -C -- printf 'a\\nb'
  [ "$status" -eq 0 ]
  [ "$output" = "$(printf 'a\nb')" ]
}

@test "-r runs the command in that directory" {
  run --separate-stderr "$ORGALORG" -y -o "$H0" -r /usr/share -C -- pwd
  [ "$status" -eq 0 ]
  [ "$output" = "$H0 /usr/share" ]
}

@test "-x runs the command as root through sudo" {
  run --separate-stderr "$ORGALORG" -y -x -o "$H0" -C -- id -u
  [ "$status" -eq 0 ]
  [ "$output" = "$H0 0" ]
}

@test "without -i the remote stdin is empty; with -i the file reaches every host" {
  run --separate-stderr "$ORGALORG" -y -o "$H0" -C -- wc -c
  [ "$status" -eq 0 ]
  [ "$output" = "$H0 0" ]
  printf 'line one\nline two\n' >"$BATS_TEST_TMPDIR/in"
  run --separate-stderr "$ORGALORG" -y -o "$H0" -o "$H1" -i "$BATS_TEST_TMPDIR/in" -C -- sha1sum
  [ "$status" -eq 0 ]
  sum=$(sha1sum <"$BATS_TEST_TMPDIR/in")
  [ "$(echo "$output" | sort)" = "$(printf '%s %s\n' "$H0" "$sum" "$H1" "$sum" | sort)" ]
}

@test "-i - feeds orgalorg's own standard input, a pipe or a file, to every host" {
  head -c 300000 /dev/urandom | base64 >"$BATS_TEST_TMPDIR/in"
  sum=$(sha1sum <"$BATS_TEST_TMPDIR/in")
  want=$(printf '%s %s\n' "$H0" "$sum" "$H1" "$sum" | sort)
  run --separate-stderr bash -c 'cat "$1" | "$2" -y -o "$3" -o "$4" -i - -C -- sha1sum' _ \
    "$BATS_TEST_TMPDIR/in" "$ORGALORG" "$H0" "$H1"
  [ "$status" -eq 0 ]
  [ "$(echo "$output" | sort)" = "$want" ]
  run --separate-stderr "$ORGALORG" -y -o "$H0" -o "$H1" -i - -C -- sha1sum <"$BATS_TEST_TMPDIR/in"
  [ "$status" -eq 0 ]
  [ "$(echo "$output" | sort)" = "$want" ]
  # Nothing named "-" was looked for, and no copy is left behind.
  [[ $stderr != *"can't open"* ]]
  ! ls "${TMPDIR:-/tmp}"/orgalorg-stdin.* 2>/dev/null
}

@test "--json writes one parseable object per line" {
  run --separate-stderr "$ORGALORG" -y --json -o "$H0" -C -- 'echo a; echo b >&2'
  [ "$status" -eq 0 ]
  echo "$output" | python3 -c '
import json, sys
lines = [json.loads(l) for l in sys.stdin]
assert lines == [{"stream": "stdout", "node": "['"$H0"':22]", "host": "'"$H0"'", "body": "a"},
                 {"stream": "exit", "node": "['"$H0"':22]", "host": "'"$H0"'", "exit_code": 0, "error": None}], lines
'
  echo "$stderr" | grep '"body":"b"' >/dev/null
}

@test "an unreachable host is named and fails the run; -w skips it with a warning" {
  run --separate-stderr "$ORGALORG" -y -c 2000 -o "$H0" -o "$U@127.0.0.1:1" -C -- echo up
  [ "$status" -eq 1 ]
  [[ "$stderr" == *"127.0.0.1:1"* ]]
  run --separate-stderr "$ORGALORG" -y -w -c 2000 -o "$H0" -o "$U@127.0.0.1:1" -C -- echo up
  [ "$status" -eq 0 ]
  [ "$output" = "$H0 up" ]
  [[ "$stderr" == *"warning"*"127.0.0.1:1"* ]]
}

@test "a host that does not answer times out by name within the connect timeout" {
  "$CLUSTER" cut 2
  start=$(date +%s%N)
  run --separate-stderr "$ORGALORG" -y -c 1500 -o "$H0" -o "$H2" -C -- true
  elapsed_ms=$(( ($(date +%s%N) - start) / 1000000 ))
  "$CLUSTER" heal 2
  [ "$status" -eq 1 ]
  [[ "$stderr" == *"$IP2"* ]]
  [[ "$stderr" == *"timed out"* ]]
  [ "$elapsed_ms" -lt 6000 ]
}

@test "an unknown host key is recorded; a changed one is refused naming host and file" {
  run --separate-stderr "$ORGALORG" -y -o "$H0" -C -- true
  [ "$status" -eq 0 ]
  grep "$IP0" "$HOME/.ssh/known_hosts" >/dev/null
  # Replace the recorded key by another one for the same host.
  ssh-keygen -q -t ed25519 -N '' -f "$BATS_TEST_TMPDIR/other" >/dev/null
  echo "$IP0 $(cut -d' ' -f1,2 "$BATS_TEST_TMPDIR/other.pub")" >"$HOME/.ssh/known_hosts"
  run --separate-stderr "$ORGALORG" -y -o "$H0" -C -- echo should-not-run
  [ "$status" -eq 1 ]
  [ -z "$output" ]
  [[ "$stderr" == *"$IP0"* ]]
  [[ "$stderr" == *"changed"* ]]
  [[ "$stderr" == *"known_hosts"* ]]
}

@test "--host-key-check strict refuses an unknown host key and records nothing" {
  run --separate-stderr "$ORGALORG" -y --host-key-check strict -o "$H0" -C -- echo should-not-run
  [ "$status" -eq 1 ]
  [ -z "$output" ]
  [[ "$stderr" == *"$IP0"* ]]
  [ ! -s "$HOME/.ssh/known_hosts" ]
  # Once known, strict lets it through.
  run "$ORGALORG" -y -o "$H0" -C -- true
  run --separate-stderr "$ORGALORG" -y --host-key-check strict -o "$H0" -C -- echo ran
  [ "$status" -eq 0 ]
  [ "$output" = "$H0 ran" ]
}

@test "Ctrl-C stops the remote commands and their children on every host, exit 130" {
  for sudo in "" -x; do
    "$ORGALORG" $sudo -o "$H0" -o "$H1" -C -- 'sleep 307 & sleep 308; echo never' \
      >"$BATS_TEST_TMPDIR/out" 2>&1 &
    pid=$!
    await_matching '^sleep 30[78]' 4
    start=$(now_us)
    kill -INT "$pid"
    wait "$pid" && status=0 || status=$?
    elapsed_ms=$((($(now_us) - start) / 1000))
    [ "$status" -eq 130 ]
    [ "$elapsed_ms" -lt 8000 ]
    ! grep never "$BATS_TEST_TMPDIR/out"
    [ "$(live_matching '^sleep 30[78]')" -eq 0 ]
    # The lock went with them.
    "$CLUSTER" exec 0 'flock -nx / true'
  done
}
