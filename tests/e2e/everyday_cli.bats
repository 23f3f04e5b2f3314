#!/usr/bin/env bats
# The command line as operators type it (issue 15): options come before the
# operands, so command words and file names that look like options reach the
# host as they are; an empty host list is a usage error; time options take
# units. Each command is compared with the same words run through ssh.

bats_require_minimum_version 1.5.0
load helpers

uses_cluster 1

setup() {
  orgalorg_env
  name_hosts 1
}

# The same words through OpenSSH, for comparison.
ssh0() {
  ssh -i "$CLUSTER_KEY" -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null \
    -o LogLevel=ERROR -o BatchMode=yes "$H0" "$@"
}

# like_ssh WORDS...: `orgalorg -q -C WORDS` on host 0 writes the same bytes
# on stdout as `ssh host WORDS`, and both succeed or both fail. Up to three
# tries, as df's figures move with the machine's disk between two runs.
like_ssh() {
  local try
  for try in 1 2 3; do
    local org_rc=0 ssh_rc=0
    "$ORGALORG" -y -q -o "$H0" -C "$@" >"$BATS_TEST_TMPDIR/org" 2>"$BATS_TEST_TMPDIR/org.err" || org_rc=$?
    ssh0 "$@" >"$BATS_TEST_TMPDIR/ssh" 2>"$BATS_TEST_TMPDIR/ssh.err" || ssh_rc=$?
    if cmp -s "$BATS_TEST_TMPDIR/org" "$BATS_TEST_TMPDIR/ssh" && (((org_rc == 0) == (ssh_rc == 0))); then
      ORG_RC=$org_rc SSH_RC=$ssh_rc
      return 0
    fi
  done
  echo "orgalorg -C $* (exit $org_rc):"; cat "$BATS_TEST_TMPDIR/org" "$BATS_TEST_TMPDIR/org.err"
  echo "ssh $* (exit $ssh_rc):"; cat "$BATS_TEST_TMPDIR/ssh" "$BATS_TEST_TMPDIR/ssh.err"
  return 1
}

@test "-C uname -a runs uname -a" {
  like_ssh uname -a
  [ "$ORG_RC" -eq 0 ]
  [[ $(cat "$BATS_TEST_TMPDIR/org") == Linux\ * ]]
}

@test "-C df -h runs df -h (not --help)" {
  like_ssh df -h
  [ "$ORG_RC" -eq 0 ]
  head -1 "$BATS_TEST_TMPDIR/org" | grep -q Size  # -h: sizes, not 1K-blocks
}

@test "-C ls -la /etc runs ls -la /etc" {
  like_ssh ls -la /etc
  [ "$ORG_RC" -eq 0 ]
  grep -q ' \.\.$' "$BATS_TEST_TMPDIR/org"  # -a: the .. entry
}

@test "-C echo -n hi runs echo -n hi" {
  like_ssh echo -n hi
  [ "$(cat "$BATS_TEST_TMPDIR/org")" = hi ]
  [ "$(wc -c <"$BATS_TEST_TMPDIR/org")" -eq 2 ]  # no newline: -n reached echo
  run --separate-stderr "$ORGALORG" -y -o "$H0" -C echo -n hi
  [ "$status" -eq 0 ]
  [ "$output" = "$H0 hi" ]
}

@test "-C test ! -e F: exit 0 when F is missing, non-zero when it exists, as through ssh" {
  f=/tmp/everyday-cli-$$
  ssh0 rm -f "$f"
  like_ssh test ! -e "$f"
  [ "$ORG_RC" -eq 0 ]
  [ "$SSH_RC" -eq 0 ]
  ssh0 touch "$f"
  like_ssh test ! -e "$f"
  [ "$ORG_RC" -eq 1 ]
  [ "$SSH_RC" -eq 1 ]
  ssh0 rm -f "$f"
}

@test "scripts for the original keep working: -- before the command, one quoted word" {
  like_ssh -- uname -a
  run --separate-stderr "$ORGALORG" -y -x -q -o "$H0" -C -- uname -a
  [ "$status" -eq 0 ]
  [ "$output" = "$(ssh0 uname -a)" ]
  run --separate-stderr "$ORGALORG" -y -q -o "$H0" -C 'uname -a'
  [ "$status" -eq 0 ]
  [ "$output" = "$(ssh0 uname -a)" ]
}

@test "-U: words after the first file are files, even -x and --foo" {
  src=$BATS_TEST_TMPDIR/src
  mkdir -p "$src"
  echo "file a" >"$src/a"
  echo "file dash x" >"$src/-x"
  echo "file dash dash foo" >"$src/--foo"
  dest=/tmp/everyday-up-$$
  ssh0 rm -rf "$dest"
  run --separate-stderr bash -c 'cd "$1" && shift && "$@"' _ "$src" \
    "$ORGALORG" -y -o "$H0" -r "$dest" -e -U ./a -x --foo
  [ "$status" -eq 0 ] || { echo "$stderr"; false; }
  # All three arrived, owned by the user: -x was not taken as --sudo.
  [ "$(ssh0 "cd $dest && ls -A | LC_ALL=C sort")" = "$(printf '%s\n' --foo -x a)" ]
  [ "$(ssh0 "cd $dest && cat ./a ./-x ./--foo")" = "$(cat "$src/a" "$src/-x" "$src/--foo")" ]
  [ "$(ssh0 "stat -c %U $dest/-x")" = "$U" ]
  ssh0 rm -rf "$dest"
}

@test "-S: words after the first file are files, even -g and --no-upload" {
  src=$BATS_TEST_TMPDIR/src
  mkdir -p "$src"
  echo "site" >"$src/site"
  echo "dash g" >"$src/-g"
  echo "dash dash no-upload" >"$src/--no-upload"
  dest=/tmp/everyday-sync-$$
  ssh0 rm -rf "$dest"
  # The tool runs in the upload root and prints what it finds there.
  run --separate-stderr bash -c 'cd "$1" && shift && "$@"' _ "$src" \
    "$ORGALORG" -y -q -o "$H0" -r "$dest" -e -m -n 'ls -A | LC_ALL=C sort; cat ./-g ./--no-upload' \
    -S site -g --no-upload
  [ "$status" -eq 0 ] || { echo "$stderr"; false; }
  [ "$output" = "$(printf '%s\n' --no-upload -g site; cat "$src/-g" "$src/--no-upload")" ]
  ssh0 rm -rf "$dest"
}

@test "an option after the first file is named when it is missing as a file" {
  src=$BATS_TEST_TMPDIR/src
  mkdir -p "$src" && echo x >"$src/site"
  run --separate-stderr bash -c 'cd "$1" && shift && "$@"' _ "$src" \
    "$ORGALORG" -y -o "$H0" -r /tmp/everyday-never -e -U site -g /srv
  [ "$status" -eq 1 ]
  [[ "$stderr" == *"can't stat -g (options come before the files: it was taken as a file)"* ]]
  ! ssh0 test -e /tmp/everyday-never
}

@test "time options take units" {
  run --separate-stderr "$ORGALORG" -y -c 5s -j 1m -z 90000 -a 2s --timeout 1m -q -o "$H0" -C echo ok
  [ "$status" -eq 0 ]
  [ "$output" = ok ]
  run --separate-stderr "$ORGALORG" -y --timeout 1s -o "$H0" -C sleep 5
  [ "$status" -eq 1 ]
  [[ "$stderr" == *"timed out"* ]]
  run --separate-stderr "$ORGALORG" -y -j 2x -o "$H0" -C true
  [ "$status" -eq 1 ]
  [[ "$stderr" == Usage:* ]]
  [[ "$stderr" == *"can't convert send timeout to number: \"2x\""* ]]
}

# No cluster needed below.

@test "an empty hosts file prints the usage, names the file and exits 1" {
  : >"$BATS_TEST_TMPDIR/empty"
  printf '# nothing here\n\n   # still nothing\n' >"$BATS_TEST_TMPDIR/comments"
  for f in empty comments; do
    run --separate-stderr "$ORGALORG" -o "$BATS_TEST_TMPDIR/$f" -C true
    [ "$status" -eq 1 ]
    [ -z "$output" ]
    [[ "$stderr" == Usage:* ]]
    [[ "$stderr" == *"no hosts given: hosts file $BATS_TEST_TMPDIR/$f lists no hosts"* ]]
  done
}

@test "-s with empty stdin prints the usage and exits 1, in every mode" {
  for mode in "-C true" "-S" "-L" "-r /tmp/x -U $BATS_TEST_TMPDIR"; do
    run --separate-stderr "$ORGALORG" -s $mode </dev/null
    [ "$status" -eq 1 ]
    [[ "$stderr" == Usage:* ]]
    [[ "$stderr" == *"no hosts given: stdin (-s) lists no hosts"* ]]
  done
}

@test "options after the operands are explained, not silently run" {
  run --separate-stderr "$ORGALORG" -C uptime -o "$H0"
  [ "$status" -eq 1 ]
  [[ "$stderr" == Usage:* ]]
  [[ "$stderr" == *'no hosts given: use -o <host> or -s (options come before the command: "-o" after "uptime" is part of it)'* ]]
  run --separate-stderr "$ORGALORG" -o "$H0" -U ./a -r /srv
  [ "$status" -eq 1 ]
  [[ "$stderr" == *'-U needs -r <dir> (options come before the files: "-r" after "./a" was taken as a file)'* ]]
  run --separate-stderr "$ORGALORG" --hots "$H0" -C true
  [ "$status" -eq 1 ]
  [[ "$stderr" == *"unknown option --hots (did you mean --host?)"* ]]
}

@test "common mistakes get one clear line and exit 1" {
  run --separate-stderr "$ORGALORG" -o "$H0" -root /srv -U f
  [ "$status" -eq 1 ]
  [[ "$stderr" == Usage:* ]]
  [[ "$stderr" == *"-root is not an option: long options take two dashes (--root)"* ]]
  run --separate-stderr "$ORGALORG" -o "$H0" -C -S f
  [ "$status" -eq 1 ]
  [[ "$stderr" == *"only one of -C, -S, -U and -L may be given"* ]]
  # A missing -i file fails before any connection (the host is unreachable).
  run --separate-stderr "$ORGALORG" -o 127.0.0.1:1 -i ./no-such-input -C cat
  [ "$status" -eq 1 ]
  [[ "$stderr" == *"can't open stdin file ./no-such-input: No such file or directory"* ]]
  [[ "$stderr" != *connect* ]]
  # A missing hosts file and a bad address are usage errors.
  run --separate-stderr "$ORGALORG" -o ./no-such-hosts -C true
  [ "$status" -eq 1 ]
  [[ "$stderr" == Usage:* ]]
  [[ "$stderr" == *"can't open hosts file ./no-such-hosts: No such file or directory"* ]]
  run --separate-stderr "$ORGALORG" -o web1:abc -C true
  [ "$status" -eq 1 ]
  [[ "$stderr" == Usage:* ]]
  [[ "$stderr" == *'invalid port "abc" in address "web1:abc"'* ]]
}

@test "-o hosts.txt is a host; a warning points to ./hosts.txt when that file exists" {
  cd "$BATS_TEST_TMPDIR"
  echo "$H0" >hosts.txt
  run --separate-stderr "$ORGALORG" -y -c 1s -o hosts.txt -C true
  [ "$status" -eq 1 ]
  [[ "$stderr" == *"-o hosts.txt is taken as a host name, not as the local file hosts.txt; write -o ./hosts.txt for a file of hosts"* ]]
  run --separate-stderr "$ORGALORG" -y -q -o ./hosts.txt -C echo -n ok
  [ "$status" -eq 0 ]
  [ "$output" = ok ]
  [[ "$stderr" != *warning* ]]
}
