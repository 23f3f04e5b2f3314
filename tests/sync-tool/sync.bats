#!/usr/bin/env bats
# Tests of the default sync tool (sync-tool/sync), without SSH: relay.py plays
# orgalorg's part of the protocol for K local "hosts", each with its own run
# directory and its own target root (standing for that host's "/").
#
#   bats tests/sync-tool/sync.bats          (SYNC_SHELL=dash|bash|sh to pick
#                                            the interpreter; default both sh
#                                            and dash are exercised)

bats_require_minimum_version 1.5.0

HERE=$(cd "$(dirname "$BATS_TEST_FILENAME")" && pwd)
TOOL=$HERE/../../sync-tool/sync
RELAY=$HERE/relay.py
SH=${SYNC_SHELL:-dash}

# make_host I: $BATS_TEST_TMPDIR/hI/run (the upload) and hI/tgt (previous
# state of that host's file system).
make_host() {
  local h=$BATS_TEST_TMPDIR/h$1
  mkdir -p "$h/run/etc/app" "$h/run/srv/data dir" "$h/tgt/etc/app" "$h/tgt/srv"
  # the upload
  printf 'new a %s\n' "$1" >"$h/run/etc/app/a.conf"
  chmod 600 "$h/run/etc/app/a.conf"
  touch -d '2001-02-03 04:05:06' "$h/run/etc/app/a.conf"
  printf 'brand new\n' >"$h/run/etc/app/new.conf"
  ln -s a.conf "$h/run/etc/app/link"
  printf 'spaced\n' >"$h/run/srv/data dir/file with space.txt"
  chmod 750 "$h/run/srv/data dir"
  cp "$TOOL" "$h/run/.orgalorg-sync"
  mkdir "$h/run/.orgalorg-other" && : >"$h/run/.orgalorg-other/x"
  # the previous state
  printf 'old a\n' >"$h/tgt/etc/app/a.conf"
  chmod 644 "$h/tgt/etc/app/a.conf"
  touch -d '1999-01-01 00:00:00' "$h/tgt/etc/app/a.conf"
  printf 'old link file\n' >"$h/tgt/etc/app/link"
  printf 'untouched\n' >"$h/tgt/etc/other"
  ln -s /nonexistent "$h/tgt/etc/dangling"
}

# snapshot DIR: everything that matters about a tree (types, modes, sizes,
# symlink targets, file mtimes, contents), to compare before and after.
snapshot() {
  (
    cd "$1" || exit 1
    find . ! -type d -printf '%p|%y|%m|%s|%l|%T@\n' | LC_ALL=C sort
    find . -type d -printf '%p|%y|%m\n' | LC_ALL=C sort
    find . -type f -exec md5sum {} + | LC_ALL=C sort
  )
}

hosts3() {
  local i
  for i in 1 2 3; do make_host "$i"; done
}

relay() {
  python3 "$RELAY" --shell "$SH" --timeout 30 "$@"
}

host_args() {
  local i
  for i in "$@"; do
    printf '%s\n' "$BATS_TEST_TMPDIR/h$i/run" "$BATS_TEST_TMPDIR/h$i/tgt"
  done
}

assert_synced() {
  local h=$BATS_TEST_TMPDIR/h$1
  [ "$(cat "$h/tgt/etc/app/a.conf")" = "new a $1" ]
  [ "$(stat -c %a "$h/tgt/etc/app/a.conf")" = 600 ]
  [ "$(stat -c %Y "$h/tgt/etc/app/a.conf")" = "$(date -d '2001-02-03 04:05:06' +%s)" ]
  [ "$(cat "$h/tgt/etc/app/new.conf")" = "brand new" ]
  [ -L "$h/tgt/etc/app/link" ]
  [ "$(readlink "$h/tgt/etc/app/link")" = a.conf ]
  [ "$(cat "$h/tgt/srv/data dir/file with space.txt")" = spaced ]
  [ "$(stat -c %a "$h/tgt/srv/data dir")" = 750 ]
  [ "$(cat "$h/tgt/etc/other")" = untouched ]
  [ -L "$h/tgt/etc/dangling" ]
  # ignored top-level entries, no leftovers
  [ ! -e "$h/tgt/.orgalorg-sync" ]
  [ ! -e "$h/tgt/.orgalorg-other" ]
  [ -z "$(find "$h/tgt" -name '.orgalorg-tmp*')" ]
  [ ! -e "$h/run" ]
}

@test "script parses under dash and has no bashisms" {
  dash -n "$TOOL"
  sh -n "$TOOL"
  if command -v checkbashisms >/dev/null; then
    checkbashisms "$TOOL"
  fi
  # embedded into a C++ raw string by CMake configure_file(@ONLY)
  ! grep -q '@[A-Za-z_]*@' "$TOOL"
  ! grep -q ')orgalorg_sync"' "$TOOL"
}

@test "3 hosts: every host syncs, run directories removed" {
  hosts3
  mapfile -t args < <(host_args 1 2 3)
  run relay "$TOOL" "${args[@]}"
  echo "$output"
  [ "$status" -eq 0 ]
  [ "$(grep -c '^relay: SYNC .* staged$' <<<"$output")" -eq 3 ]
  [ "$(grep -c '^relay: SYNC .* done$' <<<"$output")" -eq 3 ]
  assert_synced 1
  assert_synced 2
  assert_synced 3
}

@test "3 hosts under bash too" {
  hosts3
  mapfile -t args < <(host_args 1 2 3)
  SH=bash run relay "$TOOL" "${args[@]}"
  echo "$output"
  [ "$status" -eq 0 ]
  assert_synced 1
  assert_synced 3
}

@test "one host fails staging (file where a directory is needed): nobody changes anything" {
  hosts3
  rm -rf "$BATS_TEST_TMPDIR/h2/tgt/srv"
  printf 'I am a file\n' >"$BATS_TEST_TMPDIR/h2/tgt/srv"
  local i
  for i in 1 2 3; do snapshot "$BATS_TEST_TMPDIR/h$i/tgt" >"$BATS_TEST_TMPDIR/before$i"; done
  mapfile -t args < <(host_args 1 2 3)
  run relay "$TOOL" "${args[@]}"
  echo "$output"
  [ "$status" -eq 1 ]
  for i in 1 2 3; do
    grep -qx "host$i exit 1" <<<"$output"
    diff "$BATS_TEST_TMPDIR/before$i" <(snapshot "$BATS_TEST_TMPDIR/h$i/tgt")
    [ ! -e "$BATS_TEST_TMPDIR/h$i/run" ]
  done
  grep -q '^relay: SYNC \[root@host2:22\] failed .*srv exists and is not a directory' <<<"$output"
  grep -q '^host1 stderr: .*staging failed on: \[root@host2:22\]' <<<"$output"
  grep -q '^host3 stderr: .*staging failed on: \[root@host2:22\]' <<<"$output"
  ! grep -q 'SYNC .* done$' <<<"$output"
}

@test "one host has a directory where a file goes: nobody changes anything" {
  hosts3
  rm -f "$BATS_TEST_TMPDIR/h3/tgt/etc/app/a.conf"
  mkdir "$BATS_TEST_TMPDIR/h3/tgt/etc/app/a.conf"
  local i
  for i in 1 2 3; do snapshot "$BATS_TEST_TMPDIR/h$i/tgt" >"$BATS_TEST_TMPDIR/before$i"; done
  mapfile -t args < <(host_args 1 2 3)
  run relay "$TOOL" "${args[@]}"
  echo "$output"
  [ "$status" -eq 1 ]
  for i in 1 2 3; do
    diff "$BATS_TEST_TMPDIR/before$i" <(snapshot "$BATS_TEST_TMPDIR/h$i/tgt")
  done
  grep -q 'failed .*a.conf is a directory' <<<"$output"
}

@test "one host has an immutable file (chattr +i): nobody changes anything" {
  hosts3
  local f=$BATS_TEST_TMPDIR/h1/tgt/etc/app/a.conf
  chattr +i "$f" 2>/dev/null || skip "chattr +i not supported here"
  local i
  for i in 1 2 3; do snapshot "$BATS_TEST_TMPDIR/h$i/tgt" >"$BATS_TEST_TMPDIR/before$i"; done
  mapfile -t args < <(host_args 1 2 3)
  run relay "$TOOL" "${args[@]}"
  chattr -i "$f"
  echo "$output"
  [ "$status" -eq 1 ]
  for i in 1 2 3; do
    diff "$BATS_TEST_TMPDIR/before$i" <(snapshot "$BATS_TEST_TMPDIR/h$i/tgt")
  done
  grep -q 'SYNC \[root@host1:22\] failed' <<<"$output"
}

@test "a host reports swapfailed: every host restores its previous files" {
  hosts3
  local i
  for i in 1 2 3; do snapshot "$BATS_TEST_TMPDIR/h$i/tgt" >"$BATS_TEST_TMPDIR/before$i"; done
  mapfile -t args < <(host_args 1 2 3)
  run relay --fake-node 'staged,swapfailed disk on fire' "$TOOL" "${args[@]}"
  echo "$output"
  [ "$status" -eq 1 ]
  for i in 1 2 3; do
    grep -qx "host$i exit 1" <<<"$output"
    diff "$BATS_TEST_TMPDIR/before$i" <(snapshot "$BATS_TEST_TMPDIR/h$i/tgt")
    [ ! -e "$BATS_TEST_TMPDIR/h$i/tgt/srv/data dir" ]
    [ ! -e "$BATS_TEST_TMPDIR/h$i/tgt/etc/app/new.conf" ]
    [ ! -e "$BATS_TEST_TMPDIR/h$i/run" ]
  done
  [ "$(grep -c 'SYNC .* done$' <<<"$output")" -eq 3 ]
  grep -q '^host2 stderr: .*swap failed on: \[root@fake:22\]' <<<"$output"
  grep -q '^host2 stderr: .*restoring the previous files' <<<"$output"
}

@test "orgalorg dies right after START: exit 1, nothing changed" {
  hosts3
  local i
  for i in 1 2 3; do snapshot "$BATS_TEST_TMPDIR/h$i/tgt" >"$BATS_TEST_TMPDIR/before$i"; done
  mapfile -t args < <(host_args 1 2 3)
  run relay --eof-after 0 "$TOOL" "${args[@]}"
  echo "$output"
  [ "$status" -eq 1 ]
  for i in 1 2 3; do
    grep -qx "host$i exit 1" <<<"$output"
    diff "$BATS_TEST_TMPDIR/before$i" <(snapshot "$BATS_TEST_TMPDIR/h$i/tgt")
  done
  grep -q 'closed the connection before every host staged' <<<"$output"
}

@test "orgalorg dies after every host staged: hosts that swapped restore, exit 1" {
  hosts3
  local i
  for i in 1 2 3; do snapshot "$BATS_TEST_TMPDIR/h$i/tgt" >"$BATS_TEST_TMPDIR/before$i"; done
  mapfile -t args < <(host_args 1 2 3)
  run relay --eof-after 3 "$TOOL" "${args[@]}"
  echo "$output"
  [ "$status" -eq 1 ]
  for i in 1 2 3; do
    grep -qx "host$i exit 1" <<<"$output"
    diff "$BATS_TEST_TMPDIR/before$i" <(snapshot "$BATS_TEST_TMPDIR/h$i/tgt")
    [ ! -e "$BATS_TEST_TMPDIR/h$i/run" ]
  done
  grep -q 'closed the connection before every host swapped' <<<"$output"
}

@test "orgalorg dies before START: exit 1, nothing changed" {
  make_host 1
  local h=$BATS_TEST_TMPDIR/h1
  snapshot "$h/tgt" >"$BATS_TEST_TMPDIR/before1"
  run -1 "$SH" -c 'cd "$1/run" && printf "ORGALORG:42 HELLO\nORGALORG:42 NODE [a@b:22] CURRENT\n" | "$0" "$2" "$1/tgt"' "$SH" "$h" "$TOOL"
  echo "$output"
  diff "$BATS_TEST_TMPDIR/before1" <(snapshot "$h/tgt")
  [[ $output == *"before START"* ]]
}

@test "simple mode (-m): empty stdin, single host, no protocol lines" {
  make_host 1
  local h=$BATS_TEST_TMPDIR/h1
  run --separate-stderr "$SH" -c 'cd "$1/run" && "$0" "$2" "$1/tgt" </dev/null' "$SH" "$h" "$TOOL"
  echo "$output $stderr"
  [ "$status" -eq 0 ]
  [ -z "$output" ]
  assert_synced 1
}

@test "simple mode: first stdin line is not a HELLO (-m -i)" {
  make_host 1
  local h=$BATS_TEST_TMPDIR/h1
  run --separate-stderr "$SH" -c 'cd "$1/run" && printf "hello world\nORGALORG:1 HELLO\n" | "$0" "$2" "$1/tgt"' "$SH" "$h" "$TOOL"
  [ "$status" -eq 0 ]
  [ -z "$output" ]
  assert_synced 1
}

@test "simple mode: staging failure changes nothing" {
  make_host 1
  local h=$BATS_TEST_TMPDIR/h1
  rm -rf "$h/tgt/srv"
  : >"$h/tgt/srv"
  snapshot "$h/tgt" >"$BATS_TEST_TMPDIR/before1"
  run -1 "$SH" -c 'cd "$1/run" && "$0" "$2" "$1/tgt" </dev/null' "$SH" "$h" "$TOOL"
  echo "$output"
  diff "$BATS_TEST_TMPDIR/before1" <(snapshot "$h/tgt")
  [[ $output == *"not a directory"* ]]
}

@test "default target is / and a target under a file is refused, run directory removed" {
  make_host 1
  local h=$BATS_TEST_TMPDIR/h1
  run -1 "$SH" -c 'cd "$1/run" && "$0" "$2" "$1/tgt/etc/other/x" </dev/null' "$SH" "$h" "$TOOL"
  [[ $output == *"etc/other is not a directory"* ]]
  [ ! -e "$h/run" ]
  [ ! -e "$h/tgt/etc/other/x" ]
  grep -q 'TARGET_ARG=${1:-/}' "$TOOL"
}

@test "target inside the run directory is refused" {
  make_host 1
  local h=$BATS_TEST_TMPDIR/h1
  run -1 "$SH" -c 'cd "$1/run" && "$0" "$2" "$1/run/etc" </dev/null' "$SH" "$h" "$TOOL"
  [[ $output == *"refusing"* ]]
  [ -e "$h/run/etc/app/a.conf" ]
}

@test "names with spaces, newlines, glob characters and leading dashes" {
  local i h
  for i in 1 2 3; do
    h=$BATS_TEST_TMPDIR/h$i
    mkdir -p "$h/run/x/ a b /[c]*" "$h/tgt/x"
    printf 'nl\n' >"$h/run/x/$(printf 'new\nline')"
    printf 'dash\n' >"$h/run/x/-rf"
    printf 'glob\n' >"$h/run/x/ a b /[c]*/*"
    printf 'dot\n' >"$h/run/x/..dots"
    printf 'hidden\n' >"$h/run/x/.hidden"
    printf 'old\n' >"$h/tgt/x/-rf"
  done
  mapfile -t args < <(host_args 1 2 3)
  run relay "$TOOL" "${args[@]}"
  echo "$output"
  [ "$status" -eq 0 ]
  for i in 1 2 3; do
    h=$BATS_TEST_TMPDIR/h$i/tgt/x
    [ "$(cat "$h/$(printf 'new\nline')")" = nl ]
    [ "$(cat "$h/-rf")" = dash ]
    [ "$(cat "$h/ a b /[c]*/*")" = glob ]
    [ "$(cat "$h/..dots")" = dot ]
    [ "$(cat "$h/.hidden")" = hidden ]
    [ "$(ls -A "$h/ a b /[c]*")" = '*' ]
    [ ! -e "$BATS_TEST_TMPDIR/h$i/run" ]
  done
}

@test "names with spaces are restored too after a swap failure" {
  local i h
  for i in 1 2; do
    h=$BATS_TEST_TMPDIR/h$i
    mkdir -p "$h/run/my dir" "$h/tgt/my dir"
    printf 'new\n' >"$h/run/my dir/a file"
    printf 'old\n' >"$h/tgt/my dir/a file"
    printf 'new\n' >"$h/run/my dir/$(printf 'b\nfile')"
    snapshot "$h/tgt" >"$BATS_TEST_TMPDIR/before$i"
  done
  mapfile -t args < <(host_args 1 2)
  run relay --fake-node 'staged,swapfailed nope' "$TOOL" "${args[@]}"
  echo "$output"
  [ "$status" -eq 1 ]
  for i in 1 2; do
    diff "$BATS_TEST_TMPDIR/before$i" <(snapshot "$BATS_TEST_TMPDIR/h$i/tgt")
  done
}

@test "SIGTERM while waiting for the other hosts: exit 1, nothing changed" {
  make_host 1
  local h=$BATS_TEST_TMPDIR/h1
  snapshot "$h/tgt" >"$BATS_TEST_TMPDIR/before1"
  mkfifo "$BATS_TEST_TMPDIR/in"
  # two NODE lines, only this host will ever stage: the tool waits.
  (cd "$h/run" && exec "$SH" "$TOOL" "$h/tgt" <"$BATS_TEST_TMPDIR/in" >"$BATS_TEST_TMPDIR/out" 2>&1) &
  local tool=$!
  exec 5>"$BATS_TEST_TMPDIR/in"
  printf 'ORGALORG:7 HELLO\nORGALORG:7 NODE [a@x:22] CURRENT\nORGALORG:7 NODE [a@y:22]\nORGALORG:7 START\n' >&5
  for _ in $(seq 100); do grep -q staged "$BATS_TEST_TMPDIR/out" && break; sleep 0.1; done
  grep -q 'ORGALORG:7 SYNC staged' "$BATS_TEST_TMPDIR/out"
  kill -TERM "$tool"
  sleep 0.5
  local rc=0
  wait "$tool" || rc=$?
  exec 5>&-
  cat "$BATS_TEST_TMPDIR/out"
  [ "$rc" -ne 0 ]
  grep -q interrupted "$BATS_TEST_TMPDIR/out"
  diff "$BATS_TEST_TMPDIR/before1" <(snapshot "$h/tgt")
  [ ! -e "$h/run" ]
}

@test "a real host fails its swap (full file system): every host restores" {
  hosts3
  local i
  for i in 1 2 3; do
    head -c 1048576 /dev/zero >"$BATS_TEST_TMPDIR/h$i/run/srv/big"
  done
  # host 2's /srv is a tiny file system: staging (which checks the target
  # root's file system only) passes, the swap runs out of space.
  mount -t tmpfs -o size=64k tmpfs "$BATS_TEST_TMPDIR/h2/tgt/srv" 2>/dev/null ||
    skip "cannot mount a tmpfs here"
  for i in 1 2 3; do snapshot "$BATS_TEST_TMPDIR/h$i/tgt" >"$BATS_TEST_TMPDIR/before$i"; done
  mapfile -t args < <(host_args 1 2 3)
  run relay "$TOOL" "${args[@]}"
  local after2
  after2=$(snapshot "$BATS_TEST_TMPDIR/h2/tgt")
  umount "$BATS_TEST_TMPDIR/h2/tgt/srv"
  echo "$output"
  [ "$status" -eq 1 ]
  for i in 1 3; do
    diff "$BATS_TEST_TMPDIR/before$i" <(snapshot "$BATS_TEST_TMPDIR/h$i/tgt")
  done
  diff "$BATS_TEST_TMPDIR/before2" <(printf '%s\n' "$after2")
  for i in 1 2 3; do
    grep -qx "host$i exit 1" <<<"$output"
    [ ! -e "$BATS_TEST_TMPDIR/h$i/run" ]
  done
  grep -q 'SYNC \[root@host2:22\] swapfailed' <<<"$output"
  grep -q '^host1 stderr: .*swap failed on: \[root@host2:22\]' <<<"$output"
}

# make_new_target I: host I whose target is $BATS_TEST_TMPDIR/hI/tgt/new/deep
# (new and deep do not exist yet).
new_target_args() {
  local i
  for i in "$@"; do
    printf '%s\n' "$BATS_TEST_TMPDIR/h$i/run" "$BATS_TEST_TMPDIR/h$i/tgt/new/deep"
  done
}

@test "a missing target is created like mkdir -p" {
  hosts3
  mapfile -t args < <(new_target_args 1 2 3)
  run relay "$TOOL" "${args[@]}"
  echo "$output"
  [ "$status" -eq 0 ]
  local i
  for i in 1 2 3; do
    [ "$(cat "$BATS_TEST_TMPDIR/h$i/tgt/new/deep/etc/app/a.conf")" = "new a $i" ]
    [ -z "$(find "$BATS_TEST_TMPDIR/h$i/tgt" -name '.orgalorg-tmp*')" ]
    [ ! -e "$BATS_TEST_TMPDIR/h$i/run" ]
  done
}

@test "a missing target is removed again when a host's swap fails" {
  hosts3
  local i
  for i in 1 2 3; do snapshot "$BATS_TEST_TMPDIR/h$i/tgt" >"$BATS_TEST_TMPDIR/before$i"; done
  mapfile -t args < <(new_target_args 1 2 3)
  run relay --fake-node 'staged,swapfailed disk on fire' "$TOOL" "${args[@]}"
  echo "$output"
  [ "$status" -eq 1 ]
  for i in 1 2 3; do
    [ ! -e "$BATS_TEST_TMPDIR/h$i/tgt/new" ]
    diff "$BATS_TEST_TMPDIR/before$i" <(snapshot "$BATS_TEST_TMPDIR/h$i/tgt")
    [ ! -e "$BATS_TEST_TMPDIR/h$i/run" ]
  done
}

@test "a missing target is not created when a host fails staging" {
  hosts3
  rm -rf "$BATS_TEST_TMPDIR/h2/tgt"
  printf 'file\n' >"$BATS_TEST_TMPDIR/h2/tgt"
  mapfile -t args < <(new_target_args 1 2 3)
  run relay "$TOOL" "${args[@]}"
  echo "$output"
  [ "$status" -eq 1 ]
  grep -q 'failed target .*tgt is not a directory' <<<"$output"
  local i
  for i in 1 2 3; do
    [ ! -e "$BATS_TEST_TMPDIR/h$i/tgt/new" ]
    [ ! -e "$BATS_TEST_TMPDIR/h$i/run" ]
  done
}

@test "host safety: a target owned by another user is refused, nothing changed" {
  [ "$(id -u)" = 0 ] || skip "needs root to chown"
  make_host 1
  local h=$BATS_TEST_TMPDIR/h1
  chown nobody "$h/tgt/etc"
  snapshot "$h/tgt" >"$BATS_TEST_TMPDIR/before1"
  run -1 "$SH" -c 'cd "$1/run" && "$0" "$2" "$1/tgt" </dev/null' "$SH" "$h" "$TOOL"
  echo "$output"
  [[ $output == *"directory $h/tgt/etc is owned by uid $(id -u nobody), neither root nor the user running the sync (uid 0)"* ]]
  diff "$BATS_TEST_TMPDIR/before1" <(snapshot "$h/tgt")
  [ ! -e "$h/run" ]
}

@test "host safety: a group-writable directory above the target is refused" {
  make_host 1
  local h=$BATS_TEST_TMPDIR/h1
  chmod 775 "$h/tgt"
  run -1 "$SH" -c 'cd "$1/run" && "$0" "$2" "$1/tgt/etc" </dev/null' "$SH" "$h" "$TOOL"
  echo "$output"
  [[ $output == *"directory $h/tgt is writable by group or others without the sticky bit"* ]]
  [ ! -e "$h/tgt/etc/app/new.conf" ]
}

@test "host safety: a sticky world-writable directory is used; names planted there are not followed" {
  make_host 1
  local h=$BATS_TEST_TMPDIR/h1
  chmod 1777 "$h/tgt/etc/app"
  printf 'canary\n' >"$BATS_TEST_TMPDIR/canary"
  local pid
  for pid in $(seq $(($$ - 50)) $(($$ + 400))); do
    ln -s "$BATS_TEST_TMPDIR/canary" "$h/tgt/etc/app/.orgalorg-tmp.$pid"
  done
  run -0 "$SH" -c 'cd "$1/run" && "$0" "$2" "$1/tgt" </dev/null' "$SH" "$h" "$TOOL"
  echo "$output"
  [ "$(cat "$BATS_TEST_TMPDIR/canary")" = canary ]
  [ "$(cat "$h/tgt/etc/app/a.conf")" = "new a 1" ]
  [ "$(find "$h/tgt/etc/app" -name '.orgalorg-tmp.*' | wc -l)" -eq 451 ]
}

@test "host safety: temporary names are unpredictable (mktemp), never .orgalorg-tmp.<pid>" {
  ! grep -q 'orgalorg-tmp\.\$' "$TOOL"
  grep -q 'mktemp -d "${PAR%/}/.orgalorg-tmp.XXXXXXXXXX"' "$TOOL"
}
