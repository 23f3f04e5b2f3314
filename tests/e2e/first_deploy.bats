#!/usr/bin/env bats
# First deploys: a -g target that does not exist yet is created (and removed
# again when the sync fails anywhere); a target refused early leaves no run
# directory; the README's upload example; a lock path that can't be created.

bats_require_minimum_version 1.5.0
load helpers

uses_cluster 3

setup() {
  orgalorg_env
  name_hosts 3
  ALL=(-o "$H0" -o "$H1" -o "$H2")
  for i in 0 1 2; do
    "$CLUSTER" exec "$i" 'umount /srv/tiny 2>/dev/null; rm -rf /srv/new /srv/tiny /srv/app /var/run/orgalorg/*'
  done
  SRC=$BATS_TEST_TMPDIR/src
  mkdir -p "$SRC/etc/app" "$SRC/bin"
  for f in $(seq 20); do echo "conf $f" >"$SRC/etc/app/c$f"; done
  printf '#!/bin/sh\necho hi\n' >"$SRC/bin/app" && chmod 755 "$SRC/bin/app"
}

@test "-S -g to a missing directory creates it like mkdir -p on every host" {
  cd "$SRC"
  run --separate-stderr timeout 60 "$ORGALORG" -x "${ALL[@]}" -e -g /srv/new/app -S etc bin
  echo "$stderr"
  [ "$status" -eq 0 ]
  for i in 0 1 2; do
    [ "$("$CLUSTER" exec "$i" 'cat /srv/new/app/etc/app/c20; /srv/new/app/bin/app; stat -c %a /srv/new /srv/new/app')" = "conf 20
hi
755
755" ]
    [ -z "$("$CLUSTER" exec "$i" 'ls -A /var/run/orgalorg')" ]
  done
}

@test "-S -g to a missing directory: a host that fails its swap leaves no host with the directory" {
  # Host 1's /srv/tiny has room but only a few inodes: its swap fails.
  "$CLUSTER" exec 1 'mkdir -p /srv/tiny && mount -t tmpfs -o size=8m,nr_inodes=12 tmpfs /srv/tiny'
  for i in 0 2; do "$CLUSTER" exec "$i" 'mkdir -p /srv/tiny'; done
  cd "$SRC"
  run --separate-stderr timeout 60 "$ORGALORG" -x "${ALL[@]}" -e -g /srv/tiny/new/app -S etc bin
  "$CLUSTER" exec 1 'ls -A /srv/tiny' >"$BATS_TEST_TMPDIR/tiny" || true
  "$CLUSTER" exec 1 'umount /srv/tiny' || true
  echo "$stderr"
  [ "$status" -eq 1 ]
  [[ "$stderr" == *"swapfailed"* || "$stderr" == *"swap failed"* ]]
  for i in 0 2; do
    "$CLUSTER" exec "$i" 'test -d /srv/tiny && test ! -e /srv/tiny/new'
    [ -z "$("$CLUSTER" exec "$i" 'ls -A /var/run/orgalorg')" ]
  done
  [ ! -s "$BATS_TEST_TMPDIR/tiny" ]
}

@test "-S -g to a missing directory: a host that fails staging makes no host create it" {
  "$CLUSTER" exec 2 'mkdir -p /srv && echo file >/srv/new'
  cd "$SRC"
  run --separate-stderr timeout 60 "$ORGALORG" -x "${ALL[@]}" -e -g /srv/new/app -S etc
  echo "$stderr"
  [ "$status" -eq 1 ]
  [[ "$stderr" == *"$H2"*"/srv/new is not a directory"* ]]
  for i in 0 1; do "$CLUSTER" exec "$i" 'test ! -e /srv/new'; done
  for i in 0 1 2; do [ -z "$("$CLUSTER" exec "$i" 'ls -A /var/run/orgalorg')" ]; done
}

@test "a -g target check that fails early removes the uploaded run directory on every host" {
  cd "$SRC"
  run --separate-stderr timeout 60 "$ORGALORG" -x "${ALL[@]}" -e -g /etc/passwd/x -S etc
  echo "$stderr"
  [ "$status" -eq 1 ]
  [[ "$stderr" == *"/etc/passwd is not a directory"* ]]
  for i in 0 1 2; do [ -z "$("$CLUSTER" exec "$i" 'ls -A /var/run/orgalorg')" ]; done
}

@test "the README's upload example puts the release at /srv/app/release" {
  mkdir -p "$BATS_TEST_TMPDIR/work/release"
  echo v1 >"$BATS_TEST_TMPDIR/work/release/app.txt"
  cd "$BATS_TEST_TMPDIR/work"
  grep -q 'orgalorg -o ./hosts -r /srv/app -e -U ./release/' "$REPO/README.md"
  grep -q 'orgalorg \\-o ./hosts \\-r /srv/app \\-e \\-U ./release/' "$REPO/doc/orgalorg.1"
  run --separate-stderr timeout 60 "$ORGALORG" -x -o "$H0" -r /srv/app -e -U ./release/
  echo "$stderr"
  [ "$status" -eq 0 ]
  [ "$("$CLUSTER" exec 0 'cat /srv/app/release/app.txt')" = v1 ]
  # Without -e the full local path is kept under the root, as documented.
  run --separate-stderr timeout 60 "$ORGALORG" -x -o "$H0" -r /srv/app -U ./release/
  [ "$status" -eq 0 ]
  [ "$("$CLUSTER" exec 0 "cat /srv/app$BATS_TEST_TMPDIR/work/release/app.txt")" = v1 ]
}

@test "a lock directory that can't be created says so, with the cause, naming the host" {
  run --separate-stderr timeout 60 "$ORGALORG" -o "$H0" -r /root/orgalorg-nope/dir -C true
  echo "$stderr"
  [ "$status" -eq 1 ]
  [[ "$stderr" == *"$H0: can't acquire lock, the lock path /root/orgalorg-nope/dir could not be created or opened"* ]]
  [[ "$stderr" == *"Permission denied"* ]]
  [[ "$stderr" != *"lock already obtained"* ]]
}
