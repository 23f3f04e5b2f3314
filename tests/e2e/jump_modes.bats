#!/usr/bin/env bats
# Every mode through one jump host (-J): hosts 1, 2 and 3 are hidden behind
# host 0, the bastion (`cluster isolate 1 2 3 --via 0`), and every run here
# reaches them over one connection to it. -C (output, exit codes), -L with
# heartbeats, -U (a tree, byte for byte), -S with the default sync tool and
# with a protocol tool, --timeout, Ctrl-C, --failed-hosts; then the faults:
# a changed host key on the bastion and on one target, a bastion that does
# not forward TCP, and the bastion's sshd killed in the middle of an upload.
#
# Hosts share this machine's pid namespace: a process of host I is found
# with `ip netns pids orgc<I>`, and every remote command carries a marker
# (`sleep 3NN`, a target path) that no other test uses.

bats_require_minimum_version 1.5.0
load helpers

setup_file() {
  cluster_ensure 4
  "$CLUSTER" isolate 1 2 3 --via 0
}

teardown_file() {
  "$CLUSTER" unisolate 1 2 3
  cluster_release
}

setup() {
  orgalorg_env
  : >"$HOME/.ssh/known_hosts"   # each test records the keys afresh
  name_hosts 4
  HIDDEN=(-o "$H1" -o "$H2" -o "$H3")
  OUT=$BATS_TEST_TMPDIR/out
  ERR=$BATS_TEST_TMPDIR/err
  RUN_PID=
  UNDO=()      # cluster commands that put the hosts back, run by teardown
  KILL_ON=()   # "I ERE": processes of host I to kill in teardown
}

teardown() {
  if [ -n "$RUN_PID" ]; then kill -KILL "$RUN_PID" 2>/dev/null || true; wait "$RUN_PID" 2>/dev/null || true; fi
  local u k pid
  for u in "${UNDO[@]}"; do "$CLUSTER" $u >/dev/null 2>&1 || true; done
  for k in "${KILL_ON[@]}"; do
    for pid in $(pids_on ${k%% *} "${k#* }"); do kill -KILL "$pid" 2>/dev/null || true; done
  done
  rm -rf "$CLUSTER_DIR"/hosts/*/disk/jm-* 2>/dev/null || true
}

# ---------------------------------------------------------------- helpers

# Starts orgalorg through the bastion with ARGS in the background.
start_run() {
  "$ORGALORG" -J "$H0" "$@" >"$OUT" 2>"$ERR" &
  RUN_PID=$!
}

# Waits for the background run; sets status and ELAPSED_MS (since T0).
wait_run() {
  wait "$RUN_PID" && status=0 || status=$?
  ELAPSED_MS=$((($(now_us) - T0) / 1000))
  RUN_PID=
  echo "exit $status after $ELAPSED_MS ms; stderr:"
  cat "$ERR"
}

gone_everywhere() {  # ERE: on no host at all
  local i
  for i in 0 1 2 3; do gone_on "$i" "$1" || return 1; done
}

unlocked_on() { "$CLUSTER" exec "$1" "flock -nx ${2:-/} true"; }

sshd_setting() {  # I KEYWORD: host I's sshd's effective value of KEYWORD
  "$CLUSTER" exec "$1" "/usr/sbin/sshd -T -f $CLUSTER_DIR/hosts/$1/sshd_config" |
    awk -v k="$2" 'tolower($1) == tolower(k) { print $2 }'
}

other_key() {  # a fresh ed25519 public key, "type base64"
  ssh-keygen -q -t ed25519 -N '' -f "$BATS_TEST_TMPDIR/other" >/dev/null <<<y
  cut -d' ' -f1,2 "$BATS_TEST_TMPDIR/other.pub"
}

# Runs CMD... on a terminal of its own (script(1)) whose input stays open
# and silent (a FIFO opened read-write), so that a prompt would wait for an
# answer that never comes: killed after 20 s (status 124).
on_a_tty() {
  local q fifo=$BATS_TEST_TMPDIR/tty-in
  printf -v q '%q ' "$@"
  [ -p "$fifo" ] || mkfifo "$fifo"
  timeout 20 script -qec "$q" /dev/null 0<>"$fifo"
}

# ---------------------------------------------------------------- modes

@test "-C through the bastion: every hidden host's output, stderr and exit code" {
  run --separate-stderr "$ORGALORG" -y -J "$H0" "${HIDDEN[@]}" -C -- \
    'h=$(hostname); echo "out $h"; echo "err $h" >&2; case $h in orgc1) exit 0;; orgc2) exit 3;; *) exit 4;; esac'
  [ "$status" -eq 1 ]
  [ "$(sort <<<"$output")" = "$(printf '%s\n' "$H1 out orgc1" "$H2 out orgc2" "$H3 out orgc3")" ]
  [[ $stderr == *"$H1 err orgc1"* ]]
  [[ $stderr == *"$H3 err orgc3"* ]]
  [[ $stderr == *"commands are failed on 2 out of 3 nodes"* ]]
  [[ $stderr == *"$H2: exit code 3"* ]]
  [[ $stderr == *"$H3: exit code 4"* ]]
  [[ $stderr != *"$H1: exit code"* ]]
  # All of them succeeding: exit 0, nothing on stderr.
  run --separate-stderr "$ORGALORG" -y -J "$H0" "${HIDDEN[@]}" -C -- 'echo ok'
  [ "$status" -eq 0 ]
  [ -z "$stderr" ]
  [ "$(grep -c ' ok$' <<<"$output")" -eq 3 ]
}

# The lock holder's process on host I is at least S seconds old.
holder_older_than() {  # I S
  local pid
  pid=$(pids_on "$1" 'exec 9<' | head -1)
  [ -n "$pid" ] && [ "$(ps -o etimes= -p "$pid")" -ge "$2" ]
}

@test "-L through the bastion: held with heartbeats, a second run refused busy, released; a frozen holder is lost" {
  # -j 1000: a PING every 800 ms through the tunnel, each answered within 1 s.
  "$ORGALORG" -J "$H0" -j 1000 "${HIDDEN[@]}" -L 2>"$ERR" &
  RUN_PID=$!
  await 15 grep -q 'waiting for interrupt' "$ERR" || { cat "$ERR"; false; }
  for i in 1 2 3; do ! unlocked_on "$i"; done
  # Several heartbeats go through while the lock is held.
  await 10 holder_older_than 3 4
  kill -0 "$RUN_PID"
  ! grep -q heartbeat "$ERR"
  run --separate-stderr "$ORGALORG" -J "$H0" -o "$H2" -C -- echo ran
  [ "$status" -eq 1 ]
  [ -z "$output" ]
  echo "$stderr"
  [[ $stderr == *"$H2: can't acquire lock, lock already obtained by another process or unavailable"* ]]
  # Released on Ctrl-C, on every hidden host.
  kill -INT "$RUN_PID"
  T0=$(now_us)
  wait_run
  [ "$status" -eq 130 ]
  for i in 1 2 3; do unlocked_on "$i"; done
  # A holder that stops answering behind the bastion is lost: exit 2.
  "$ORGALORG" -J "$H0" -j 1000 "${HIDDEN[@]}" -L 2>"$ERR" &
  RUN_PID=$!
  await 15 grep -q 'waiting for interrupt' "$ERR"
  KILL_ON+=("2 exec 9<")
  kill -STOP $(pids_on 2 'exec 9<')
  T0=$(now_us)
  wait_run
  [ "$status" -eq 2 ]
  grep -F "heartbeat lost on $H2: no heartbeat answer within 1000 ms" "$ERR"
  [ "$ELAPSED_MS" -lt 6000 ]
  unlocked_on 1
  unlocked_on 3
}

# Name, type, mode, mtime and link target of every entry of DIR, then the
# size and hash of every file.
manifest() {  # DIR
  (cd "$1" && find . -printf '%p|%y|%m|%T@|%l\n' | LC_ALL=C sort)
  (cd "$1" && find . -type f -printf '%s %p\n' | LC_ALL=C sort)
  (cd "$1" && find . -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum)
}

@test "-U through the bastion: a small tree arrives byte for byte on every hidden host" {
  src=$BATS_TEST_TMPDIR/src
  mkdir -p "$src/tree/sub/empty"
  echo plain >"$src/tree/plain"
  head -c 3000000 /dev/urandom >"$src/tree/sub/big.bin"
  printf 'odd\n' >"$src/tree/sp ace 'q\""
  printf '\0\1\2' >"$src/tree/sub/bytes"
  ln -s plain "$src/tree/link"
  chmod 0640 "$src/tree/plain"
  chmod 0700 "$src/tree/sub/empty"
  chmod 0755 "$src/tree/sub/big.bin"
  touch -d '2020-02-03 04:05:06.123456789' "$src/tree/sub/big.bin"
  cd "$src"
  run --separate-stderr "$ORGALORG" -y -J "$H0" "${HIDDEN[@]}" -r /tmp/jm-up -e -U tree
  [ "$status" -eq 0 ]
  [ -z "$stderr" ]
  manifest "$src/tree" >"$BATS_TEST_TMPDIR/want"
  for i in 1 2 3; do
    "$CLUSTER" exec "$i" "$(declare -f manifest); manifest /tmp/jm-up/tree" >"$BATS_TEST_TMPDIR/got$i"
    diff "$BATS_TEST_TMPDIR/want" "$BATS_TEST_TMPDIR/got$i"
  done
  # Nothing went to the bastion itself.
  "$CLUSTER" exec 0 'test ! -e /tmp/jm-up'
}

# One line per entry under etc/jm-app, then a digest of the contents.
LISTING='find etc/jm-app -mindepth 1 -printf "%p|%y|%m|%U:%G|%T@|%l\n" | LC_ALL=C sort; find etc/jm-app -type f -print0 | LC_ALL=C sort -z | xargs -0 cat | sha256sum'

@test "-S through the bastion: the default sync tool puts a tree in place on every hidden host" {
  src=$BATS_TEST_TMPDIR/src
  mkdir -p "$src/etc/jm-app/conf.d"
  echo "version 2" >"$src/etc/jm-app/app.conf"
  echo "extra" >"$src/etc/jm-app/conf.d/extra conf"
  ln -s app.conf "$src/etc/jm-app/current"
  chmod 0640 "$src/etc/jm-app/app.conf"
  chown 1234:2345 "$src/etc/jm-app/conf.d"
  for i in 1 2 3; do
    "$CLUSTER" exec "$i" 'rm -rf /etc/jm-app && mkdir -p /etc/jm-app && echo "version 1" >/etc/jm-app/app.conf'
  done
  cd "$src"
  want=$(sh -c "$LISTING")
  run --separate-stderr "$ORGALORG" -x -J "$H0" "${HIDDEN[@]}" -e -S etc
  echo "$stderr"
  [ "$status" -eq 0 ]
  for i in 1 2 3; do
    diff <(echo "$want") <("$CLUSTER" exec "$i" "cd / && $LISTING")
    [ -z "$("$CLUSTER" exec "$i" 'ls -A /var/run/orgalorg 2>/dev/null')" ]
    unlocked_on "$i"
  done
  "$CLUSTER" exec 0 'test ! -e /etc/jm-app'
}

@test "-S through the bastion: a protocol tool sees HELLO, every NODE, START and every SYNC in one order" {
  tool='read -r p verb; echo "first $verb"; n=0; s=0; while read -r l; do
    case "$l" in
      *" NODE "*CURRENT) echo "me ${l#* NODE }";;
      *" NODE "*) n=$((n+1));;
      *START) echo "$p SYNC hello from $(hostname)"; echo "others $n";;
      *" SYNC "*) s=$((s+1)); echo "sync ${l#* SYNC }"; [ "$s" -eq 3 ] && break;;
    esac; done'
  run --separate-stderr "$ORGALORG" -y -x -J "$H0" "${HIDDEN[@]}" -S --no-upload -n "$tool"
  echo "$stderr"
  [ "$status" -eq 0 ]
  for h in "$H1" "$H2" "$H3"; do
    [[ $output == *"$h first HELLO"* ]]
    [[ $output == *"$h me [$h:22] CURRENT"* ]]
    [[ $output == *"$h others 2"* ]]
  done
  order1=$(grep "^$H1 sync" <<<"$output" | cut -d' ' -f3-)
  [ "$(wc -l <<<"$order1")" -eq 3 ]
  for h in "$H2" "$H3"; do
    [ "$(grep "^$h sync" <<<"$output" | cut -d' ' -f3-)" = "$order1" ]
  done
  for i in 1 2 3; do
    [[ $order1 == *"[$U@$(host_ip "$i"):22] hello from orgc$i"* ]]
  done
}

@test "--timeout through the bastion stops the stuck command on one hidden host only" {
  T0=$(now_us)
  run --separate-stderr "$ORGALORG" -y -J "$H0" --timeout 1500 "${HIDDEN[@]}" -C -- \
    'if [ "$(hostname)" = orgc2 ]; then sleep 331 & sleep 332; echo never; fi; echo done'
  elapsed_ms=$((($(now_us) - T0) / 1000))
  [ "$status" -eq 1 ]
  [ "$(sort <<<"$output")" = "$(printf '%s\n' "$H1 done" "$H3 done")" ]
  [[ $stderr == *"commands are failed on 1 out of 3 nodes"*"$H2"*"timed out after 1500 ms"* ]]
  [ "$elapsed_ms" -ge 1500 ]
  [ "$elapsed_ms" -lt 8000 ]
  gone_everywhere '^sleep 33[12]'
}

@test "Ctrl-C through the bastion: exit 130, no process of the run left on any host, no lock" {
  KILL_ON+=("1 ^sleep 34[12]" "2 ^sleep 34[12]" "3 ^sleep 34[12]")
  start_run "${HIDDEN[@]}" -C -- 'sleep 341 & sleep 342; echo never'
  for i in 1 2 3; do await 15 running_on "$i" '^sleep 342'; done
  for i in 1 2 3; do await 5 running_on "$i" '^sleep 341'; done
  T0=$(now_us)
  kill -INT "$RUN_PID"
  wait_run
  [ "$status" -eq 130 ]
  [ "$ELAPSED_MS" -lt 8000 ]
  ! grep never "$OUT"
  no_local_orgalorg
  gone_everywhere '^sleep 34[12]'
  gone_everywhere 'exec 9<'
  for i in 1 2 3; do unlocked_on "$i"; done
}

@test "--failed-hosts through the bastion lists the hidden hosts that failed; -o re-runs them" {
  failed=$BATS_TEST_TMPDIR/failed
  run --separate-stderr "$ORGALORG" -y -w -J "$H0" --failed-hosts "$failed" \
    -o "$H1" -o "$H2" -o "$H3:2222" -C -- 'if [ "$(hostname)" = orgc2 ]; then exit 3; fi; echo fine'
  echo "$stderr"
  [ "$status" -eq 1 ]
  [ "$output" = "$H1 fine" ]
  [ "$(wc -l <"$failed")" -eq 2 ]
  grep -qx "$H2  # exit code 3" "$failed"
  grep -q "^$H3:2222  # .*$IP3:2222.*jump host \[$U@$IP0:22\]" "$failed"
  ! grep -q "^$H1" "$failed"
  # Fed back through the bastion: only those two are tried.
  run --separate-stderr "$ORGALORG" -y -w -J "$H0" -o "$failed" --failed-hosts "$failed" -C -- hostname
  [ "$status" -eq 0 ]
  [ "$output" = "$H2 orgc2" ]
  [ "$(wc -l <"$failed")" -eq 1 ]
  grep -q "^$H3:2222  # " "$failed"
}

# ---------------------------------------------------------------- faults

@test "a changed host key on the bastion is refused without a prompt, naming the jump host" {
  run --separate-stderr "$ORGALORG" -y -J "$H0" "${HIDDEN[@]}" -C -- true
  [ "$status" -eq 0 ]
  grep -q "^$IP0 " "$HOME/.ssh/known_hosts"
  sed -i "/^$IP0 /d" "$HOME/.ssh/known_hosts"
  echo "$IP0 $(other_key)" >>"$HOME/.ssh/known_hosts"
  cp "$HOME/.ssh/known_hosts" "$BATS_TEST_TMPDIR/kh.before"
  T0=$(now_us)
  run on_a_tty "$ORGALORG" --color never -y -J "$H0" "${HIDDEN[@]}" -C -- echo should-not-run
  elapsed_ms=$((($(now_us) - T0) / 1000))
  echo "$output"
  [ "$status" -eq 1 ]
  [ "$elapsed_ms" -lt 10000 ]
  [[ $output != *should-not-run* ]]
  [[ $output == *"can't connect to jump host [$U@$IP0:22], so to none of the 3 nodes behind it"* ]]
  [[ $output == *"changed"* ]]
  [[ $output == *"known_hosts"* ]]
  [[ $output != *"yes/no"* ]]
  # Nothing was recorded or replaced.
  cmp "$BATS_TEST_TMPDIR/kh.before" "$HOME/.ssh/known_hosts"
}

@test "a hidden host with a changed key is refused; the other hidden hosts go on" {
  run --separate-stderr "$ORGALORG" -y -J "$H0" "${HIDDEN[@]}" -C -- true
  [ "$status" -eq 0 ]
  sed -i "/^$IP2 /d" "$HOME/.ssh/known_hosts"
  echo "$IP2 $(other_key)" >>"$HOME/.ssh/known_hosts"
  # -w skips it as it skips an unreachable host (exit 0), with a warning and
  # the cause in --failed-hosts.
  failed=$BATS_TEST_TMPDIR/failed
  run on_a_tty "$ORGALORG" --color never -y -w -J "$H0" --failed-hosts "$failed" "${HIDDEN[@]}" -C -- 'echo ran on $(hostname)'
  echo "status $status: $output"
  [ "$status" -eq 0 ]
  [[ $output == *"$H1 ran on orgc1"* ]]
  [[ $output == *"$H3 ran on orgc3"* ]]
  [[ $output != *"ran on orgc2"* ]]
  [[ $output == *"warning: skipping unreachable node $H2"*"host key for $IP2 has changed"*"known_hosts"* ]]
  [[ $output != *"yes/no"* ]]
  [ "$(cat "$failed")" = "$H2  # can't connect to $H2: host key for $IP2 has changed (known_hosts file $HOME/.ssh/known_hosts); refusing to connect" ]
  # Without -w the refused key stops the run before anything runs.
  run --separate-stderr "$ORGALORG" -y -J "$H0" "${HIDDEN[@]}" -C -- 'echo ran on $(hostname)'
  [ "$status" -eq 1 ]
  [ -z "$output" ]
  [[ $stderr == *"$IP2"*"changed"* ]]
}

@test "cluster sshd-option sets one sshd keyword on a host and drops it again" {
  UNDO+=("sshd-option 0 AllowTcpForwarding default")
  [ "$(sshd_setting 0 AllowTcpForwarding)" = yes ]
  "$CLUSTER" sshd-option 0 AllowTcpForwarding no
  [ "$(sshd_setting 0 AllowTcpForwarding)" = no ]
  [ "$(sshd_setting 0 MaxStartups)" = 10:30:100 ]   # still a bastion
  run "$CLUSTER" sshd-option 0 AllowTcpForwarding maybe
  [ "$status" -ne 0 ]
  [ "$(sshd_setting 0 AllowTcpForwarding)" = no ]   # the last good one
  "$CLUSTER" sshd-option 0 AllowTcpForwarding default
  [ "$(sshd_setting 0 AllowTcpForwarding)" = yes ]
}

@test "AllowTcpForwarding no on the bastion: a clear error naming each target and the jump host" {
  UNDO+=("sshd-option 0 AllowTcpForwarding default")
  "$CLUSTER" sshd-option 0 AllowTcpForwarding no
  T0=$(now_us)
  run --separate-stderr "$ORGALORG" -y -J "$H0" -o "$H1" -o "$H2" -C -- echo should-not-run
  elapsed_ms=$((($(now_us) - T0) / 1000))
  echo "$stderr"
  [ "$status" -eq 1 ]
  [ -z "$output" ]
  [ "$elapsed_ms" -lt 10000 ]
  [[ $stderr == *"can't open a channel to $IP1:22 through jump host [$U@$IP0:22]"* ]]
  [[ $stderr == *"can't open a channel to $IP2:22 through jump host [$U@$IP0:22]"* ]]
  # The SSH reason code in words, and what it means on a jump host.
  [[ $stderr == *"administratively prohibited (SSH channel-open failure reason 1"* ]]
  [[ $stderr == *"does not allow TCP forwarding"* ]]
  [[ $stderr != *"channel opening failure"* ]]
}

@test "the bastion's sshd killed mid-upload: every hidden host named as failed, a prompt exit" {
  big=$BATS_TEST_TMPDIR/big.bin
  head -c 20000000 /dev/urandom >"$big"
  UNDO+=("rate 0 off" "start-sshd 0")
  KILL_ON+=("1 tar .*jm-kill" "2 tar .*jm-kill" "3 tar .*jm-kill")
  "$CLUSTER" rate 0 20mbit        # 3 x 20 MB: about 25 s through the bastion
  cd "$BATS_TEST_TMPDIR"
  start_run -y -x -a 500 -z 2000 "${HIDDEN[@]}" -r /srv/disk/jm-kill -e -U big.bin
  await 30 file_bigger_than "$CLUSTER_DIR/hosts/1/disk/jm-kill/big.bin" 1000000
  # The listener, then every session sshd of the bastion (ours among them).
  "$CLUSTER" kill-sshd 0
  T0=$(now_us)
  for pid in $(pids_on 0 '^sshd'); do kill -KILL "$pid"; done
  wait_run
  [ "$status" -ne 0 ]
  [ "$ELAPSED_MS" -lt 10000 ]
  for h in "$H1" "$H2" "$H3"; do grep -qF "$h" "$ERR"; done
  no_local_orgalorg
  for i in 1 2 3; do ! cmp -s "$big" "$CLUSTER_DIR/hosts/$i/disk/jm-kill/big.bin"; done
  # The targets' sessions end with the forwarded connections.
  for i in 1 2 3; do await 10 gone_on "$i" 'tar .*jm-kill'; done
}
