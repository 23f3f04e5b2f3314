#!/usr/bin/env bats
# The command line of the real binary: help, version, usage errors, exit codes.

bats_require_minimum_version 1.5.0
load helpers

@test "--help lists every option with its defaults and exits 0" {
  run "$ORGALORG" --help
  [ "$status" -eq 0 ]
  for opt in --command --sync --upload --lock --host --read-stdin --key --password --user \
             --no-lock --no-lock-fail --lock-file --no-conn-fail --root --relative \
             --no-preserve-uid --no-preserve-gid --no-upload --sudo --stdin --serial --shell \
             --sync-cmd --arg --simple --threads --quiet --verbose --json --color \
             --colors-dark --colors-light --bar-format --log-format --version --help \
             --conn-timeout --send-timeout --recv-timeout --keep-alive; do
    [[ "$output" == *"$opt"* ]] || { echo "missing $opt"; return 1; }
  done
  [[ "$output" == *"[default: 16]"* ]]
  [[ "$output" == *"[default: 10000]"* ]]
  [[ "$output" == *"[default: 60000]"* ]]
}

@test "--version prints the version" {
  run "$ORGALORG" --version
  [ "$status" -eq 0 ]
  [[ "$output" =~ ^orgalorg\ [0-9]+\.[0-9]+\.[0-9]+$ ]]
}

@test "no mode: usage on stderr, exit 1, nothing on stdout" {
  run --separate-stderr "$ORGALORG" -o host1
  [ "$status" -eq 1 ]
  [ -z "$output" ]
  [[ "$stderr" == Usage:* ]]
  [[ "$stderr" == *"no mode given"* ]]
}

@test "no hosts is a usage error" {
  run --separate-stderr "$ORGALORG" -C true
  [ "$status" -eq 1 ]
  [[ "$stderr" == Usage:* ]]
  [[ "$stderr" == *"no hosts given"* ]]
}

@test "-U without -r is a usage error" {
  run --separate-stderr "$ORGALORG" -o h -U file
  [ "$status" -eq 1 ]
  [[ "$stderr" == *"-U needs -r"* ]]
}

@test "an unknown option is named" {
  run --separate-stderr "$ORGALORG" -o h --frobnicate -C true
  [ "$status" -eq 1 ]
  [[ "$stderr" == *"unknown option --frobnicate"* ]]
}

@test "a non-numeric timeout names the option" {
  run --separate-stderr "$ORGALORG" -o h -j soon -C true
  [ "$status" -eq 1 ]
  [[ "$stderr" == *"can't convert send timeout to number"* ]]
}

@test "bundled short flags with a trailing value parse" {
  # -exmn 'true' is -e -x -m -n 'true'; the run then fails for another
  # reason (not a usage error), so no Usage block is printed.
  run --separate-stderr "$ORGALORG" -o 127.0.0.1:1 -c 500 -S -exmn 'true'
  [[ "$stderr" != Usage:* ]]
  [ "$status" -ne 0 ]
}
