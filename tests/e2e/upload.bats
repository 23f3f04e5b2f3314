#!/usr/bin/env bats
# Upload mode (-U): one tar stream to every host, exact metadata, errors.

bats_require_minimum_version 1.5.0
load helpers
uses_cluster 3

teardown() {
  "$CLUSTER" uplink off >/dev/null 2>&1 || true
}

setup() {
  orgalorg_env
  name_hosts 3
  SRC=$BATS_TEST_TMPDIR/src
  make_upload_tree "$SRC"
}


@test "a tree arrives on every host byte for byte and attribute for attribute" {
  (cd "$SRC" && "$ORGALORG" -x -o "$H0" -o "$H1" -o "$H2" -r /srv/up -e -U tree)
  manifest "$SRC/tree" >"$BATS_TEST_TMPDIR/want"
  for i in 0 1 2; do
    "$CLUSTER" exec "$i" "$(declare -f manifest); manifest /srv/up/tree" >"$BATS_TEST_TMPDIR/got$i"
    diff "$BATS_TEST_TMPDIR/want" "$BATS_TEST_TMPDIR/got$i"
    # hard links share an inode
    "$CLUSTER" exec "$i" '[ "$(stat -c %i /srv/up/tree/plain)" = "$(stat -c %i /srv/up/tree/hard)" ]'
  done
}

@test "absolute paths are kept under the root by default" {
  run --separate-stderr "$ORGALORG" -x -o "$H0" -r /srv/abs -U "$SRC/tree/plain"
  [ "$status" -eq 0 ]
  "$CLUSTER" exec 0 "cat '/srv/abs$SRC/tree/plain'" | grep plain >/dev/null
}

@test "a missing source file is an error before anything is sent" {
  "$CLUSTER" exec 0 'rm -rf /srv/miss'
  run --separate-stderr "$ORGALORG" -x -o "$H0" -r /srv/miss -U "$SRC/tree/plain" "$SRC/nope"
  [ "$status" -eq 1 ]
  [[ "$stderr" == *"$SRC/nope"* ]]
  [[ "$stderr" == *"No such file or directory"* ]]
  "$CLUSTER" exec 0 '! test -e /srv/miss'
}

@test "a host whose target can't be written is named with tar's error; the others succeed" {
  "$CLUSTER" exec 1 'rm -rf /srv/ro && mkdir -p /srv/ro && chattr +i /srv/ro 2>/dev/null || mount -t tmpfs -o ro tmpfs /srv/ro'
  "$CLUSTER" exec 0 'rm -rf /srv/ro'
  cd "$SRC"
  run --separate-stderr "$ORGALORG" -y -x -o "$H0" -o "$H1" -r /srv/ro -e -U tree
  "$CLUSTER" exec 1 'chattr -i /srv/ro 2>/dev/null; umount /srv/ro 2>/dev/null; true'
  [ "$status" -eq 1 ]
  [[ "$stderr" == *"commands are failed on 1 out of 2 nodes"* ]]
  [[ "$stderr" == *"$H1"* ]]
  [[ "$stderr" == *"tar"* ]]
  "$CLUSTER" exec 0 'test -f /srv/ro/tree/plain'
}

@test "a host whose disk fills up mid-upload is named with tar's error; the others get everything" {
  # Host 1's target is a 1 MiB file system; the tree holds a 3 MB file.
  "$CLUSTER" exec 1 'umount /srv/small 2>/dev/null; rm -rf /srv/small && mkdir -p /srv/small && mount -t tmpfs -o size=1m tmpfs /srv/small'
  for i in 0 2; do "$CLUSTER" exec "$i" 'rm -rf /srv/small'; done
  cd "$SRC"
  run --separate-stderr "$ORGALORG" -y -x -o "$H0" -o "$H1" -o "$H2" -r /srv/small -e -U tree
  "$CLUSTER" exec 1 'umount /srv/small'
  echo "$stderr"
  [ "$status" -eq 1 ]
  [[ "$stderr" == *"commands are failed on 1 out of 3 nodes"* ]]
  # The host, then tar's own words (GNU tar says "Wrote only N of M bytes").
  grep -A3 "$H1\$" <<<"$stderr" | grep -q 'tar: tree/sub/big.bin: Wrote only'
  [[ "$stderr" != *hdrcharset* ]]
  for i in 0 2; do
    [ "$("$CLUSTER" exec "$i" 'cmp /srv/small/tree/sub/big.bin - && echo same' <"$SRC/tree/sub/big.bin")" = same ]
  done
}

@test "-v shows tar's file list per host" {
  cd "$SRC"
  run --separate-stderr "$ORGALORG" -v -x -o "$H0" -r /srv/verbose -e -U tree/plain
  [ "$status" -eq 0 ]
  [[ "$stderr" == *"<stderr> [$U@$(host_ip 0):22] tree/plain"* ]]
  [[ "$stderr" != *"22] .orgalorg-upload"* ]]
}

@test "a large upload grows the pipe between sshd and tar to 1 MiB on each host" {
  # 12 MB, over the 8 MiB from which orgalorg grows it; about 5 s at 40mbit,
  # so that tar is still reading when we look.
  head -c 12000000 /dev/urandom >"$BATS_TEST_TMPDIR/big.bin"
  "$CLUSTER" uplink 40mbit
  cd "$BATS_TEST_TMPDIR"
  "$ORGALORG" -y -o "$H0" -o "$H1" -r /tmp/big-up -e -U big.bin >out 2>err &
  RUN_PID=$!
  await 20 running_on 0 '^tar --directory /tmp/big-up '
  pid=$(pids_on 0 '^tar --directory /tmp/big-up ' | head -n 1)
  # F_GETPIPE_SZ (1032) of the pipe on tar's stdin.
  size=$(perl -e 'open my $f, "<", "/proc/$ARGV[0]/fd/0" or die "$!"; print fcntl($f, 1032, 0)' "$pid")
  wait "$RUN_PID" && status=0 || status=$?
  "$CLUSTER" uplink off
  echo "pipe on tar's stdin: $size bytes; exit $status: $(<err)"
  [ "$size" -eq 1048576 ]
  [ "$status" -eq 0 ]
  for i in 0 1; do
    [ "$("$CLUSTER" exec "$i" 'cmp /tmp/big-up/big.bin - && echo same' <big.bin)" = same ]
  done
}

@test "over a slow uplink the client sleeps while the link is full instead of spinning" {
  # Every byte to the 3 hosts crosses the client's own 40mbit link: 3 x 4 MB
  # take about 2.4 s. Each socket's queue then sits in the qdisc, where the
  # kernel calls it writable while our estimate of its room is zero; a
  # client that asked for EPOLLOUT again at once burnt a whole core here.
  head -c 4000000 /dev/urandom >"$BATS_TEST_TMPDIR/slow.bin"
  "$CLUSTER" uplink 40mbit
  cd "$BATS_TEST_TMPDIR"
  run --separate-stderr /usr/bin/time -f '%e %U %S' -o "$BATS_TEST_TMPDIR/time" \
    "$ORGALORG" -y -o "$H0" -o "$H1" -o "$H2" -r /tmp/slow-up -e -U slow.bin
  "$CLUSTER" uplink off
  [ "$status" -eq 0 ]
  read -r wall user sys <"$BATS_TEST_TMPDIR/time"
  echo "# wall ${wall}s, client CPU ${user}s user + ${sys}s sys" >&3
  # At least the link's 2.4 s, and the client busy for under a third of it.
  awk -v w="$wall" -v u="$user" -v s="$sys" 'BEGIN { exit !(w >= 2.2 && u + s < w / 3) }'
  for i in 0 1 2; do
    [ "$("$CLUSTER" exec "$i" 'cmp /tmp/slow-up/slow.bin - && echo same' <slow.bin)" = same ]
  done
}
