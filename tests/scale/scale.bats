#!/usr/bin/env bats
# Scale: 200 hosts of the local cluster (10.231.0.1 .. 10.231.0.200) from one
# orgalorg process whose soft open-file limit is far too low for them: it
# raises the limit itself, then connects, locks and runs a command, uploads
# a file, and syncs a tree with the default tool. Each test reports the
# client's peak RSS, per host too (bats prints lines starting with '#'),
# and holds it under 1 MiB per host.

bats_require_minimum_version 1.5.0
load ../e2e/helpers
uses_cluster 200

setup() {
  orgalorg_env
  U=$CLUSTER_USER
  ALL="$U@10.231.0.[1-200]"
  RSS=$BATS_TEST_TMPDIR/rss
}

# Runs orgalorg with a soft open-file limit of 64, recording its peak RSS.
orgalorg_low_fds() {
  bash -c 'ulimit -Sn 64 && exec /usr/bin/time -f %M -o "$0" "$@"' "$RSS" "$ORGALORG" "$@"
}

# Prints the figures; the bound is 1 MiB of client memory per host.
report() {  # what, seconds
  local kb
  kb=$(tail -1 "$RSS")
  echo "# $1: ${2}s, peak RSS $((kb / 1024)) MB, $((kb / 200)) KB per host" >&3
  [ "$kb" -lt $((200 * 1024)) ]
}

# What `command` prints on hosts 0, 99 and 199 (looked at from inside each
# host, without SSH), one line per host. orgalorg's exit 0 already says that
# every host's tar or tool succeeded; this checks the content on a sample.
on_sample() {  # command
  local i
  for i in 0 99 199; do "$CLUSTER" exec "$i" "$1" || return 1; done
}

@test "200 hosts with a soft fd limit of 64: the limit is raised, every host is locked and runs the command" {
  start=$SECONDS
  run --separate-stderr orgalorg_low_fds -v -o "$ALL" -C -- hostname
  [ "$status" -eq 0 ]
  [[ "$stderr" == *"raised the open-file limit from 64 to "*" for 200 hosts"* ]]
  # At -v host lines are logged on stderr: "<stdout> [user@host:22] line".
  [ "$(grep '^<stdout> ' <<<"$stderr" | sort -u | wc -l)" -eq 200 ]
  grep -qFx "<stdout> [$U@10.231.0.200:22] orgc199" <<<"$stderr"
  report "connect + lock + -C hostname on 200 hosts" $((SECONDS - start))
  # The lock is gone from every host.
  "$CLUSTER" exec 199 'flock -nx / true'
}

@test "an upload reaches all 200 hosts intact" {
  head -c 4000000 /dev/urandom >"$BATS_TEST_TMPDIR/blob"
  sum=$(cd "$BATS_TEST_TMPDIR" && sha1sum blob)
  start=$SECONDS
  upload() { (cd "$BATS_TEST_TMPDIR" && orgalorg_low_fds -e -o "$ALL" -r /tmp/scale-upload -U blob); }
  run --separate-stderr upload
  [ "$status" -eq 0 ] || { tail -40 <<<"$stderr"; false; }
  report "upload of 4 MB to 200 hosts" $((SECONDS - start))
  [ "$(on_sample 'cd /tmp/scale-upload && sha1sum blob' | sort -u)" = "$sum" ]
}

@test "a sync with the default tool reaches all 200 hosts" {
  # 200 sudo+bash tools on 2 cores (load average above 100) once kept a
  # lock holder from answering its heartbeat for 10 s; answers are now due
  # within -j (60 s).
  mkdir -p "$BATS_TEST_TMPDIR/scale-site/conf"
  echo "generation 7" >"$BATS_TEST_TMPDIR/scale-site/conf/app.conf"
  start=$SECONDS
  sync_site() { (cd "$BATS_TEST_TMPDIR" && orgalorg_low_fds -x -e -o "$ALL" -g /srv -S scale-site); }
  run --separate-stderr sync_site
  [ "$status" -eq 0 ] || { tail -40 <<<"$stderr"; false; }
  report "sync (default tool, -x) of a small tree to 200 hosts" $((SECONDS - start))
  [ "$(on_sample 'cat /srv/scale-site/conf/app.conf' | sort -u)" = "generation 7" ]
}
