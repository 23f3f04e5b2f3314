#!/usr/bin/env bats
# Host safety: what a local non-root user on a host (here `nobody`, never the
# test user) can plant where orgalorg and the default sync tool write as root
# (-x). Each test plants what an attacker would, then checks that the
# root-owned canary /etc/orgalorg-canary is unchanged and that the run either
# succeeded safely or failed with a clear error. SECURITY.md cites these.

bats_require_minimum_version 1.5.0
load helpers

uses_cluster 3

setup() {
  orgalorg_env
  name_hosts 3
  for i in 0 1 2; do
    "$CLUSTER" exec "$i" 'printf "canary\n" >/etc/orgalorg-canary && chmod 644 /etc/orgalorg-canary &&
      rm -rf /srv/app /srv/drop /srv/gw /tmp/stop-plant /tmp/plant-log /etc/orgalorg-created /var/run/orgalorg &&
      test ! -e /usr/lib/orgalorg/sync'
  done
}

teardown() {
  for i in 0 1 2; do "$CLUSTER" exec "$i" 'touch /tmp/stop-plant' || true; done
  [ -z "${PLANTER:-}" ] || wait "$PLANTER" || true
}

sq() { printf "'%s'" "${1//\'/\'\\\'\'}"; }

# as_nobody I SCRIPT: runs SCRIPT with sh on host I as nobody (uid 65534).
as_nobody() {
  "$CLUSTER" exec "$1" "setpriv --reuid=65534 --regid=65534 --clear-groups -- sh -c $(sq "$2")"
}

canary_intact() {  # I
  [ "$("$CLUSTER" exec "$1" 'cat /etc/orgalorg-canary; stat -c %s /etc/orgalorg-canary')" = "canary
7" ]
}

# Starts SCRIPT as nobody on host I in a loop until the test ends.
plant_loop() {  # I SCRIPT
  as_nobody "$1" "while [ ! -e /tmp/stop-plant ]; do $2
done" &
  PLANTER=$!
}

@test "lock note: a symlink the owner of a -r directory plants at its note is not followed" {
  "$CLUSTER" exec 0 'mkdir -p /srv/app && chown nobody: /srv/app'
  as_nobody 0 'ln -s /etc/orgalorg-canary /srv/app/.orgalorg-lock-owner'
  # The issue's command, verbatim.
  run --separate-stderr timeout 60 "$ORGALORG" -o "$H0" -x -r /srv/app -C true
  echo "$stderr"
  [ "$status" -eq 0 ]
  canary_intact 0
  # Re-planted in a tight loop while runs take and release the lock.
  plant_loop 0 'rm -f /srv/app/.orgalorg-lock-owner; ln -s /etc/orgalorg-canary /srv/app/.orgalorg-lock-owner 2>/dev/null'
  for _ in 1 2 3; do
    run --separate-stderr timeout 60 "$ORGALORG" -o "$H0" -x -r /srv/app -C 'sleep 0.3'
    [ "$status" -eq 0 ]
  done
  canary_intact 0
}

@test "lock note: a symlink planted at a file lock's note, or at the lock file itself, is not followed" {
  "$CLUSTER" exec 0 'mkdir -p /srv/app && chown nobody: /srv/app'
  as_nobody 0 'ln -s /etc/orgalorg-canary /srv/app/lock.orgalorg-lock-owner'
  run --separate-stderr timeout 60 "$ORGALORG" -o "$H0" -x --lock-file /srv/app/lock -C true
  echo "$stderr"
  [ "$status" -eq 0 ]
  canary_intact 0
  # A dangling symlink where the missing lock file would be created.
  as_nobody 0 'ln -s /etc/orgalorg-created /srv/app/newlock'
  run --separate-stderr timeout 60 "$ORGALORG" -o "$H0" -x --lock-file /srv/app/newlock -C true
  echo "$stderr"
  [ "$status" -eq 1 ]
  [[ "$stderr" == *"$H0: can't acquire lock, the lock path /srv/app/newlock could not be created or opened"* ]]
  [[ "$stderr" == *"cannot overwrite existing file"* ]]
  "$CLUSTER" exec 0 'test ! -e /etc/orgalorg-created'
  # A FIFO there is refused at once, not waited on.
  as_nobody 0 'mkfifo /srv/app/fifolock'
  run --separate-stderr timeout 30 "$ORGALORG" -o "$H0" -x --lock-file /srv/app/fifolock -C true
  echo "$stderr"
  [ "$status" -eq 1 ]
  [[ "$stderr" == *"$H0: can't acquire lock, the lock path /srv/app/fifolock could not be created or opened"* ]]
  [[ "$stderr" == *"not a directory or a regular file"* ]]
  canary_intact 0
}

@test "lock note: a busy run reads a planted note as a link, never the file it points to" {
  "$CLUSTER" exec 0 'mkdir -p /srv/app && chown nobody: /srv/app'
  "$ORGALORG" -o "$H0" -x -r /srv/app -L 2>"$BATS_TEST_TMPDIR/lock.err" &
  local holder=$!
  for _ in $(seq 100); do
    grep -q 'waiting for interrupt' "$BATS_TEST_TMPDIR/lock.err" && break
    sleep 0.1
  done
  as_nobody 0 'rm -f /srv/app/.orgalorg-lock-owner; ln -s /etc/orgalorg-canary /srv/app/.orgalorg-lock-owner'
  run --separate-stderr timeout 60 "$ORGALORG" -o "$H0" -x -r /srv/app -C true
  kill -INT "$holder"
  wait "$holder" || true
  echo "$stderr"
  [ "$status" -eq 1 ]
  [[ "$stderr" == *"held by /etc/orgalorg-canary"* ]]
  [[ "$stderr" != *"held by canary"* ]]
  canary_intact 0
}

@test "sync tool: a -g target owned by another user is refused on that host; no host changes anything" {
  for i in 0 1; do "$CLUSTER" exec "$i" 'mkdir -p /srv/app'; done
  "$CLUSTER" exec 0 'chown nobody: /srv/app'
  as_nobody 0 'ln -s /etc/orgalorg-canary /srv/app/f1'
  mkdir -p "$BATS_TEST_TMPDIR/src" && cd "$BATS_TEST_TMPDIR/src"
  echo new >f1
  run --separate-stderr timeout 60 "$ORGALORG" -x -o "$H0" -o "$H1" -e -g /srv/app -S f1
  echo "$stderr"
  [ "$status" -eq 1 ]
  [[ "$stderr" == *"directory /srv/app is owned by uid 65534, neither root nor the user running the sync (uid 0)"* ]]
  canary_intact 0
  "$CLUSTER" exec 1 'test ! -e /srv/app/f1'
  for i in 0 1; do [ -z "$("$CLUSTER" exec "$i" 'ls -A /var/run/orgalorg')" ]; done
}

@test "sync tool: symlinks planted before and during the run at every temporary name in a sticky directory are never followed" {
  local n=150
  mkdir -p "$BATS_TEST_TMPDIR/src" && cd "$BATS_TEST_TMPDIR/src"
  for f in $(seq $n); do echo "file $f" >"f$f"; done
  for i in 0 1 2; do
    "$CLUSTER" exec "$i" 'mkdir -p /srv/drop && chmod 1777 /srv/drop'
    # An existing destination the attacker owns, pointing at the canary.
    as_nobody "$i" 'ln -s /etc/orgalorg-canary /srv/drop/f7'
    # Every .orgalorg-tmp.<pid> name (the old tool's) for the next 3000
    # pids, before the run.
    as_nobody "$i" 'perl -e '\''$p = shift; symlink("/etc/orgalorg-canary", "/srv/drop/.orgalorg-tmp.$_") or die for $p .. $p + 3000'\'' "$(cat /proc/sys/kernel/ns_last_pid)"'
  done
  # During the run: find the tool's processes and plant at their pid names.
  plant_loop 0 'for p in $(pgrep -f "[.]orgalorg-sync"); do
      echo $p >>/tmp/plant-log
      rm -f /srv/drop/.orgalorg-tmp.$p; ln -s /etc/orgalorg-canary /srv/drop/.orgalorg-tmp.$p 2>/dev/null
      for d in /srv/drop/.orgalorg-tmp.??????????; do rm -rf "$d" 2>/dev/null; mv "$d" "$d.x" 2>/dev/null; done
    done'
  run --separate-stderr timeout 120 "$ORGALORG" -x -o "$H0" -o "$H1" -o "$H2" -e -g /srv/drop -S $(seq -f 'f%g' $n)
  echo "$stderr"
  [ "$status" -eq 0 ]
  "$CLUSTER" exec 0 'touch /tmp/stop-plant'
  wait "$PLANTER" || true
  PLANTER=
  for i in 0 1 2; do
    canary_intact "$i"
    [ "$("$CLUSTER" exec "$i" 'cat /srv/drop/f7; cat /srv/drop/f150; test ! -L /srv/drop/f7 && echo regular')" = "file 7
file 150
regular" ]
    # Only the attacker's planted names are left, none of the tool's.
    [ "$("$CLUSTER" exec "$i" 'find /srv/drop -name ".orgalorg-tmp.*" ! -user nobody | wc -l')" -eq 0 ]
  done
  # The loop did see the tool running (and re-planted at its pid).
  "$CLUSTER" exec 0 'test -s /tmp/plant-log'
}

@test "run directory: new, mode 0700, owned by the user the upload runs as, unreadable by others" {
  mkdir -p "$BATS_TEST_TMPDIR/src" && cd "$BATS_TEST_TMPDIR/src"
  echo secret >payload
  run --separate-stderr timeout 60 "$ORGALORG" -x -o "$H0" -e \
    -n 'stat -c "%a %U" "$PWD"; setpriv --reuid=65534 --regid=65534 --clear-groups -- cat "$PWD/payload" >/dev/null 2>&1 && echo readable || echo unreadable' \
    -S payload
  echo "$stderr"
  [ "$status" -eq 0 ]
  [ "$output" = "$H0 700 root
$H0 unreadable" ]
  # The id is a fresh random number each run: no one can pre-create it.
  local first second
  run --separate-stderr timeout 60 "$ORGALORG" -v -x -o "$H0" -e -n true -S payload
  first=$(grep -o '/var/run/orgalorg/[0-9]*' <<<"$stderr" | head -1)
  run --separate-stderr timeout 60 "$ORGALORG" -v -x -o "$H0" -e -n true -S payload
  second=$(grep -o '/var/run/orgalorg/[0-9]*' <<<"$stderr" | head -1)
  [ -n "$first" ] && [ -n "$second" ] && [ "$first" != "$second" ]
  [[ "$stderr" == *"mkdir -m 0700 "* ]]
}

@test "run directory: a base directory another user could change is refused before anything is written" {
  "$CLUSTER" exec 0 'mkdir -p /var/run/orgalorg && chown nobody: /var/run/orgalorg'
  mkdir -p "$BATS_TEST_TMPDIR/src" && cd "$BATS_TEST_TMPDIR/src"
  echo x >payload
  run --separate-stderr timeout 60 "$ORGALORG" -x -o "$H0" -e -S payload
  echo "$stderr"
  "$CLUSTER" exec 0 'chown root: /var/run/orgalorg'
  [ "$status" -eq 1 ]
  [[ "$stderr" == *"directory /run/orgalorg is owned by uid 65534, neither root nor the user the upload runs as"* ]]
  [ -z "$("$CLUSTER" exec 0 'ls -A /var/run/orgalorg')" ]
  canary_intact 0
}

@test "upload: a -r directory owned by another user, or under a group-writable one, is refused" {
  "$CLUSTER" exec 0 'mkdir -p /srv/app /srv/gw && chown nobody: /srv/app && chmod 775 /srv/gw'
  as_nobody 0 'ln -s /etc /srv/app/etc'
  mkdir -p "$BATS_TEST_TMPDIR/src/etc" && cd "$BATS_TEST_TMPDIR/src"
  echo x >etc/orgalorg-canary
  run --separate-stderr timeout 60 "$ORGALORG" -x -o "$H0" -r /srv/app -e -U etc
  echo "$stderr"
  [ "$status" -eq 1 ]
  [[ "$stderr" == *"directory /srv/app is owned by uid 65534, neither root nor the user the upload runs as (uid 0)"* ]]
  canary_intact 0
  run --separate-stderr timeout 60 "$ORGALORG" -x -o "$H0" -r /srv/gw/app -e -U etc
  echo "$stderr"
  [ "$status" -eq 1 ]
  [[ "$stderr" == *"directory /srv/gw is writable by group or others without the sticky bit"* ]]
  "$CLUSTER" exec 0 'test ! -e /srv/gw/app/etc'
}
