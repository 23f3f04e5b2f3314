#!/usr/bin/env bats
# Faults in the middle of a run, against the real cluster: a link cut while a
# command or an upload runs, a host's sshd killed, a host that accepts TCP but
# never speaks SSH, a slow host, and Ctrl-C in each phase (connect, lock,
# upload, sync). Every test checks the exit code (orgalorg(1), EXIT STATUS), that the failing
# host is named, how long orgalorg took to exit, and what it left behind: no
# orgalorg process here, no process of the run on any host, no lock held.
#
# Covered elsewhere, not repeated here: a killed lock holder and a cut link
# while holding the lock with -L (lock.bats), two runs racing for the lock
# (lock.bats), a disk that fills up mid-upload (upload.bats), an unreachable
# and a non-answering host at connect time (command.bats), Ctrl-C while a
# command runs (command.bats).
#
# Hosts share this machine's pid namespace, so a process of host I is found
# with `ip netns pids orgc<I>`; every test's remote command carries a marker
# of its own (`sleep N.31NN`, a unique target path) that no other test uses.
# A host whose link is cut or whose sshd session is killed can't be cleaned
# up by orgalorg (nothing reaches it); its leftovers are checked where they
# resolve by themselves and otherwise killed by teardown.
# This kernel has no netem: the slow host is made with a TCP relay inside the
# host (perl) that holds every chunk 250 ms each way (500 ms round trip).
# E2E_TIMES=<file> logs every measured exit there.

bats_require_minimum_version 1.5.0
load helpers
uses_cluster 5

setup_file() {
  cluster_ensure "$E2E_HOSTS"
  BIG=$BATS_FILE_TMPDIR/big.bin      # 20 MB: 8 s through a 20mbit link
  head -c 20000000 /dev/urandom >"$BIG"
  export BIG
}

setup() {
  orgalorg_env
  name_hosts 5
  H=("$H0" "$H1" "$H2" "$H3" "$H4")
  OUT=$BATS_TEST_TMPDIR/out
  ERR=$BATS_TEST_TMPDIR/err
  RUN_PID=
  UNDO=()      # cluster commands that put the hosts back, run by teardown
  KILL_ON=()   # "I pattern": processes of host I to kill in teardown
  BG=()        # helper processes (relays, listeners) started by the test
}

teardown() {
  if [ -n "$RUN_PID" ]; then kill -KILL "$RUN_PID" 2>/dev/null || true; wait "$RUN_PID" 2>/dev/null || true; fi
  local u k pid
  for u in "${UNDO[@]}"; do "$CLUSTER" $u >/dev/null 2>&1 || true; done
  for k in "${KILL_ON[@]}"; do
    for pid in $(pids_on ${k%% *} "${k#* }"); do kill -KILL "$pid" 2>/dev/null || true; done
  done
  for pid in "${BG[@]}"; do kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done
  rm -rf "$CLUSTER_DIR"/hosts/*/disk/fault-* 2>/dev/null || true
}

# ---------------------------------------------------------------- helpers

disturb() {  # cut|rate|... I [ARG]: change host I, undone by teardown
  "$CLUSTER" "$@"
  case $1 in
    cut) UNDO+=("heal $2") ;;
    rate) UNDO+=("rate $2 off") ;;
  esac
}

start_clock() { T0=$(now_us); }

elapsed_ms() { echo $((($(now_us) - T0) / 1000)); }

# Starts orgalorg with ARGS in the background, output to $OUT and $ERR.
start_run() {
  "$ORGALORG" "$@" >"$OUT" 2>"$ERR" &
  RUN_PID=$!
}

# Waits for the background run; sets status and ELAPSED_MS (since start_clock).
wait_run() {
  wait "$RUN_PID" && status=0 || status=$?
  ELAPSED_MS=$(elapsed_ms)
  RUN_PID=
  echo "exit $status after $ELAPSED_MS ms; stderr:"
  cat "$ERR"
  log_time
}

interrupt_run() {  # SIGINT to the background run, starts the clock, waits
  start_clock
  kill -INT "$RUN_PID"
  wait_run
}

# A fresh run without -y takes and releases the lock on every given host.
lock_free() {  # [orgalorg args, e.g. -r DIR] -o HOST...
  "$ORGALORG" -c 5000 "$@" -C true >/dev/null 2>"$BATS_TEST_TMPDIR/lock-check.err" ||
    { cat "$BATS_TEST_TMPDIR/lock-check.err" >&2; return 1; }
}

# The lock holder of any run (its command line carries this marker).
kLockHolder='-c : orgalorg-lock-holder;'

# A TCP relay, in perl: LISTEN TARGET DELAY; holds every chunk DELAY seconds
# in each direction; prints "ready" once it listens.
# shellcheck disable=SC2016
kRelay='use strict; use IO::Socket::INET; use IO::Select; use Time::HiRes qw(time);
my ($listen, $target, $delay) = @ARGV;
my $l = IO::Socket::INET->new(LocalAddr => $listen, Listen => 16, ReuseAddr => 1) or die "listen $listen: $!";
$| = 1; print "ready\n";
my $sel = IO::Select->new($l);
my (%peer, %sock, @q);
while (1) {
  my $wait = @q ? $q[0][0] - time : 1; $wait = 0 if $wait < 0;
  for my $s ($sel->can_read($wait)) {
    if ($s == $l) {
      my $c = $l->accept or next;
      my $u = IO::Socket::INET->new(PeerAddr => $target) or do { close $c; next };
      $peer{"$c"} = "$u"; $peer{"$u"} = "$c"; $sock{"$c"} = $c; $sock{"$u"} = $u;
      $sel->add($c, $u);
      next;
    }
    my $n = sysread($s, my $buf, 65536);
    push @q, [time + $delay, $peer{"$s"}, $n ? $buf : undef];
    $sel->remove($s) unless $n;
  }
  while (@q && $q[0][0] <= time) {
    my (undef, $k, $data) = @{shift @q};
    my $d = $sock{$k} or next;
    if (defined $data) { syswrite($d, $data) } else { shutdown($d, 1) }
  }
}'

# A listener that completes TCP handshakes (kernel backlog) and never reads
# nor writes: LISTEN.
kMute='use IO::Socket::INET;
my $s = IO::Socket::INET->new(LocalAddr => $ARGV[0], Listen => 64, ReuseAddr => 1) or die "listen: $!";
$| = 1; print "ready\n"; sleep 600;'

start_in_host() {  # I NAME SCRIPT ARGS...: run perl SCRIPT in host I until teardown
  local i=$1 name=$2 script=$3 q a
  shift 3
  q=
  for a in "$@"; do q+=" '$a'"; done
  "$CLUSTER" exec "$i" "exec perl -e '$script'$q" >"$BATS_TEST_TMPDIR/$name.out" 2>&1 &
  BG+=($!)
  await 5 grep -q ready "$BATS_TEST_TMPDIR/$name.out" || { cat "$BATS_TEST_TMPDIR/$name.out" >&2; return 1; }
}

# ---------------------------------------------------------------- link cut

@test "a link cut mid-command (-y): the host is named within -z, the others finish, exit 1" {
  # The commands print a line every 0.3 s: a silent host can be taken for
  # dead (see the skipped test below); here only host 1 goes silent.
  start_clock
  start_run -y -a 500 -z 2000 -o "${H[0]}" -o "${H[1]}" -o "${H[2]}" -C -- \
    'for i in 1 2 3 4 5 6 7 8 9 10 11 12 13; do echo tick; sleep 0.3101; done; echo done'
  for i in 0 1 2; do await 10 grep -qFx "${H[$i]} tick" "$OUT"; done
  disturb cut 1
  start_clock
  wait_run
  [ "$status" -eq 1 ]
  grep -A1 -F "${H[1]}" "$ERR" | grep "host stopped answering"
  err_has "commands are failed on 1 out of 3 nodes"
  grep -Fx "${H[0]} done" "$OUT"
  grep -Fx "${H[2]} done" "$OUT"
  ! grep -F "${H[1]} done" "$OUT"
  # The others' 4 s command, or 2 s of silence after the cut, plus margin.
  [ "$ELAPSED_MS" -lt 9000 ]
  no_local_orgalorg
  gone_on 0 '^sleep 0\.3101'
  gone_on 2 '^sleep 0\.3101'
  # Host 1 cannot be told anything while cut; once healed its command ends
  # by itself (nothing is stuck on the host because of orgalorg).
  "$CLUSTER" heal 1
  await 10 gone_on 1 '^sleep 0\.3101'
  lock_free -o "${H[0]}" -o "${H[1]}" -o "${H[2]}"
}

@test "healthy hosts running a silent command are not taken for dead (-y, short -a and -z)" {
  # Keep-alive answers that libssh reads inside ssh_send_keepalive() once left
  # the receive clock stale: each host here failed about one run in two.
  run --separate-stderr "$ORGALORG" -y -a 500 -z 2000 -o "${H[0]}" -o "${H[1]}" -o "${H[2]}" -o "${H[3]}" -o "${H[4]}" \
    -C -- 'sleep 3.3111; echo ok'
  echo "exit $status: $stderr"
  [ "$status" -eq 0 ]
  [[ "$stderr" != *"stopped answering"* ]]
  [ "$(grep -c ' ok$' <<<"$output")" -eq 5 ]
}

@test "a link cut mid-command under the lock: exit 2 naming the host and heartbeat, the others' commands stopped" {
  KILL_ON+=("1 ^sleep 60\\.3102")
  start_run -j 1000 -o "${H[0]}" -o "${H[1]}" -o "${H[2]}" -C -- 'sleep 60.3102; echo done'
  for i in 0 1 2; do await 10 running_on "$i" '^sleep 60\.3102'; done
  disturb cut 1
  start_clock
  wait_run
  [ "$status" -eq 2 ]
  grep heartbeat "$ERR" | grep -F "${H[1]}"
  ! grep done "$OUT"
  # Heartbeat every 800 ms, then up to 5 s of cleanup on the cut host.
  [ "$ELAPSED_MS" -lt 10000 ]
  no_local_orgalorg
  gone_on 0 '^sleep 60\.3102'
  gone_on 2 '^sleep 60\.3102'
  lock_free -o "${H[0]}" -o "${H[2]}"
  # Host 1's sshd cannot notice the client is gone while cut (no
  # ClientAliveInterval): its command and lock holder live on until the
  # connection moves again. Once healed, the client kernel's retransmitted
  # FIN, or sshd's own write when the command ends, closes the session, and
  # the lock goes with it.
  "$CLUSTER" heal 1
  for pid in $(pids_on 1 '^sleep 60\.3102'); do kill "$pid"; done
  await 15 gone_on 1 "$kLockHolder"
  lock_free -o "${H[1]}"
}

@test "a link cut mid-upload (-y): the host is named, the others get the whole file, exit 1" {
  target=/srv/disk/fault-cut-upload
  KILL_ON+=("1 tar .*$target")
  disturb rate 1 20mbit
  cd "$(dirname "$BIG")"
  start_run -y -x -a 500 -z 2000 -o "${H[0]}" -o "${H[1]}" -o "${H[2]}" -r "$target" -e -U "$(basename "$BIG")"
  await 20 file_bigger_than "$CLUSTER_DIR/hosts/1/disk/fault-cut-upload/big.bin" 1000000
  disturb cut 1
  start_clock
  wait_run
  [ "$status" -eq 1 ]
  err_has "${H[1]}"
  err_has "commands are failed on 1 out of 3 nodes"
  ! grep -F "${H[0]}" "$ERR"
  ! grep -F "${H[2]}" "$ERR"
  [ "$ELAPSED_MS" -lt 12000 ]
  no_local_orgalorg
  for i in 0 2; do cmp "$BIG" "$CLUSTER_DIR/hosts/$i/disk/fault-cut-upload/big.bin"; done
  # Host 1 has a part of the file (or nothing), never the whole.
  ! cmp -s "$BIG" "$CLUSTER_DIR/hosts/1/disk/fault-cut-upload/big.bin"
  gone_on 0 "tar .*$target"
  gone_on 2 "tar .*$target"
}

# ---------------------------------------------------------------- sshd killed

# Kills host I's session sshd processes (not its listener) with SIGKILL.
kill_session_sshd() {
  local listener pid n=0
  read -r listener <"$CLUSTER_DIR/hosts/$1/sshd.pid"
  for pid in $(pids_on "$1" '^sshd: '); do
    [ "$pid" = "$listener" ] && continue
    kill -KILL "$pid" && n=$((n + 1))
  done
  [ "$n" -ge 1 ]
}

@test "the host's sshd killed mid-command under the lock: exit 2 naming the host, the others stopped, no lock left" {
  KILL_ON+=("1 ^sleep 60\\.3104")
  start_run -j 2000 -o "${H[0]}" -o "${H[1]}" -o "${H[2]}" -C -- 'sleep 60.3104; echo done'
  for i in 0 1 2; do await 10 running_on "$i" '^sleep 60\.3104'; done
  start_clock
  kill_session_sshd 1
  wait_run
  [ "$status" -eq 2 ]
  err_has "heartbeat lost on ${H[1]}: connection lost"
  ! err_has "killed by signal connection"
  [ "$ELAPSED_MS" -lt 7000 ]
  no_local_orgalorg
  gone_on 0 '^sleep 60\.3104'
  gone_on 2 '^sleep 60\.3104'
  # Killing sshd closed the lock holder's stdin: host 1 is unlocked too.
  # Its command lost its sshd and lives on, orphaned (teardown kills it).
  await 5 gone_on 1 "$kLockHolder"
  lock_free -o "${H[0]}" -o "${H[1]}" -o "${H[2]}"
}

@test "the host's sshd killed mid-command (-y): the host is named at once, the others finish, exit 1" {
  KILL_ON+=("1 ^sleep 3\\.3105")
  start_run -y -o "${H[0]}" -o "${H[1]}" -o "${H[2]}" -C -- 'sleep 3.3105; echo done'
  for i in 0 1 2; do await 10 running_on "$i" '^sleep 3\.3105'; done
  start_clock
  kill_session_sshd 1
  wait_run
  [ "$status" -eq 1 ]
  grep -A2 -F "${H[1]}" "$ERR" | grep 'connection lost'
  err_has "commands are failed on 1 out of 3 nodes"
  grep -Fx "${H[0]} done" "$OUT"
  grep -Fx "${H[2]} done" "$OUT"
  [ "$ELAPSED_MS" -lt 8000 ]
  no_local_orgalorg
  gone_on 0 '^sleep 3\.3105'
  gone_on 2 '^sleep 3\.3105'
}

# ---------------------------------------------------------------- silent and slow hosts

@test "a host that accepts TCP but never speaks SSH: 'timed out' naming it within -c, exit 1, no lock left" {
  start_in_host 3 mute "$kMute" "$(host_ip 3):2299"
  start_clock
  run --separate-stderr "$ORGALORG" -c 1500 -o "${H[0]}" -o "${H[3]}:2299" -C -- echo ran
  ELAPSED_MS=$(elapsed_ms)
  echo "exit $status after $ELAPSED_MS ms: $stderr"
  log_time
  [ "$status" -eq 1 ]
  [ -z "$output" ]
  [[ "$stderr" == *"${H[3]}:2299"* ]]
  [[ "$stderr" == *"timed out"* ]]
  [[ "$stderr" != *"${H[0]}"* ]]
  [ "$ELAPSED_MS" -lt 6500 ]
  no_local_orgalorg
  gone_on 0 "$kLockHolder"
  lock_free -o "${H[0]}"
}

@test "a slow host (500 ms round trip) works with the default timeouts, data both ways" {
  start_in_host 2 relay "$kRelay" "$(host_ip 2):2222" "$(host_ip 2):22" 0.25
  head -c 1000000 "$BIG" >"$BATS_TEST_TMPDIR/in"
  want=$(sha1sum <"$BATS_TEST_TMPDIR/in")
  start_clock
  run --separate-stderr "$ORGALORG" -o "${H[2]}:2222" -o "${H[0]}" -i "$BATS_TEST_TMPDIR/in" -C -- sha1sum
  ELAPSED_MS=$(elapsed_ms)
  echo "exit $status after $ELAPSED_MS ms: $stderr"
  log_time
  [ "$status" -eq 0 ]
  [ -z "$stderr" ]
  [ "$(sort <<<"$output")" = "$(printf '%s %s\n' "${H[0]}" "$want" "${H[2]}:2222" "$want" | sort)" ]
  [ "$ELAPSED_MS" -lt 20000 ]
  no_local_orgalorg
  lock_free -o "${H[0]}" -o "${H[2]}"
}

# ---------------------------------------------------------------- Ctrl-C

@test "Ctrl-C while a host is still connecting: exit 130 at once, nothing started, no lock left" {
  disturb cut 4
  start_run -v -c 30000 -o "${H[0]}" -o "${H[4]}" -C -- 'sleep 60.3107'
  await 10 err_has "connected to ${H[0]}"
  interrupt_run
  [ "$status" -eq 130 ]
  err_has "interrupted"
  [ "$ELAPSED_MS" -lt 3000 ]
  no_local_orgalorg
  gone_on 0 '^sleep 60\.3107'
  gone_on 0 "$kLockHolder"
  lock_free -o "${H[0]}"
}

@test "Ctrl-C while the lock commands are in flight: exit 130, no lock left on any host" {
  # Host 2 behind a relay with a 0.7 s round trip: its lock command takes as long.
  start_in_host 2 relay "$kRelay" "$(host_ip 2):2222" "$(host_ip 2):22" 0.35
  start_run -vv -o "${H[2]}:2222" -o "${H[0]}" -C -- 'sleep 60.3108'
  await 20 err_has "running lock command"
  interrupt_run
  [ "$status" -eq 130 ]
  err_has "interrupted"
  ! err_has "global lock acquired"
  [ "$ELAPSED_MS" -lt 8000 ]
  no_local_orgalorg
  # What the relay still holds reaches host 2 after orgalorg is gone.
  await 5 gone_on 2 "$kLockHolder"
  gone_on 0 "$kLockHolder"
  gone_on 0 '^sleep 60\.3108'
  gone_on 2 '^sleep 60\.3108'
  lock_free -o "${H[0]}" -o "${H[2]}"
}

@test "Ctrl-C mid-upload: exit 130 at once, no tar left, no lock left, nothing reported done" {
  target=/srv/disk/fault-int-upload
  disturb rate 1 20mbit
  cd "$(dirname "$BIG")"
  start_run -x -o "${H[0]}" -o "${H[1]}" -r "$target" -e -U "$(basename "$BIG")"
  await 20 file_bigger_than "$CLUSTER_DIR/hosts/1/disk/fault-int-upload/big.bin" 1000000
  interrupt_run
  [ "$status" -eq 130 ]
  err_has "interrupted"
  [ ! -s "$OUT" ]
  [ "$ELAPSED_MS" -lt 5000 ]
  no_local_orgalorg
  gone_on 0 "tar .*$target"
  gone_on 1 "tar .*$target"
  gone_on 0 "$kLockHolder"
  gone_on 1 "$kLockHolder"
  # The slow host has a part of the file, not the whole.
  ! cmp -s "$BIG" "$CLUSTER_DIR/hosts/1/disk/fault-int-upload/big.bin"
  "$CLUSTER" rate 1 off
  lock_free -r "$target" -o "${H[0]}" -o "${H[1]}"
}

@test "Ctrl-C while the sync tool runs: exit 130, the tool stopped, no lock left, nothing put in place" {
  echo new >"$BATS_TEST_TMPDIR/payload"
  # The tool stages, reports, then (were it not stopped) would install.
  tool='while read -r p v rest; do [ "$v" = START ] && break; done
    echo "$p SYNC staged"; sleep 60.3110
    cp payload /srv/disk/fault-sync-target && echo installed'
  cd "$BATS_TEST_TMPDIR"
  start_run -x -o "${H[0]}" -o "${H[1]}" -e -n "$tool" -S payload
  for i in 0 1; do await 15 running_on "$i" '^sleep 60\.3110'; done
  interrupt_run
  [ "$status" -eq 130 ]
  err_has "interrupted"
  ! grep installed "$OUT"
  [ "$ELAPSED_MS" -lt 5000 ]
  no_local_orgalorg
  for i in 0 1; do
    gone_on "$i" '^sleep 60\.3110'
    gone_on "$i" "$kLockHolder"
    [ ! -e "$CLUSTER_DIR/hosts/$i/disk/fault-sync-target" ]
  done
  lock_free -o "${H[0]}" -o "${H[1]}"
}
