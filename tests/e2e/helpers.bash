# tests/e2e/helpers.bash — shared by every e2e bats file (`load helpers`).
# One meaning per name: H<I> is always user@address of host I, IP<I> its
# bare address, U the cluster's user.
#
# REPO, CLUSTER (the cluster script), ORGALORG (binary under test).
# uses_cluster N     at the top of a file, after `load helpers`: setup_file
#                    brings up N hosts (cluster_ensure), teardown_file tears
#                    down what it brought up. A file that needs more in
#                    setup_file defines its own, calling cluster_ensure
#                    "$E2E_HOSTS" first.
# cluster_ensure N   in setup_file: bring up N hosts unless CLUSTER_UP=1 (then
#                    reuse the running cluster, which must have >= N hosts);
#                    exports CLUSTER_KEY/USER/DIR/N and CLUSTER_IPS.
# cluster_release    in teardown_file: tear down only what cluster_ensure made.
# host_ip I          address of host I.
# name_hosts N       sets U, H0..H<N-1> (user@address) and IP0..IP<N-1>.
# live_matching P    count of live (not zombie) processes on the machine whose
#                    command line matches grep pattern P (the hosts share
#                    the machine's pid namespace: use markers unique per test).
# await_matching P N wait (10 s at most) until live_matching P reaches N.
# RSS_BOUND_KB       the most client memory (peak RSS, KiB) a bounded-memory
#                    test accepts: 64 MiB, or 1 GiB for a sanitizer build
#                    (ORGALORG_SANITIZED=1: ASan's shadow and quarantine).
# await SECS CMD...  runs CMD every 50 ms until it succeeds (status 0) or SECS
#                    whole seconds pass (status 1, naming CMD on stderr); when
#                    $RUN_PID (the run under test, in the background) has
#                    ended, CMD gets one last try instead of the rest of the
#                    wait.
# now_us             microseconds since the epoch (for ELAPSED_MS).
# log_time           with E2E_TIMES=<file>, appends the test's exit status,
#                    ELAPSED_MS and (when set) RSS_KB and BASE_RSS_KB there.
# file_bigger_than F B   true when file F exists and has more than B bytes.
# pids_on I ERE     pids of host I's live processes whose command line
#                    matches ERE; count_on, running_on, gone_on count them.
# no_local_orgalorg  no orgalorg process under test left on the client.
# err_has TEXT       $ERR (a run's stderr file) contains TEXT.
# make_upload_tree D a tree under D/tree with every kind of entry an upload
#                    must keep: modes, owner, mtime, symlinks (one dangling),
#                    a hard link, an empty directory, odd and binary names.
# manifest DIR       name, type, mode, owner, mtime, link target and hash of
#                    every entry of DIR (`declare -f manifest` runs it on a host).
# start_agent       an ssh-agent of the test's own holding the cluster key
#                    (SSH_AUTH_SOCK, SSH_AGENT_PID); stop_agent kills it.
# relay_setup N     setup of the relay files: orgalorg_env, name_hosts N,
#                    start_agent (the hops log in with the operator's agent),
#                    an upload tree in $SRC/tree; all_hosts: "-o H" for each.
# start_big_relay D  in the background (RUN_PID, START_US, stderr in $ERR):
#                    a 40 MB file relayed to directory D of every host over
#                    a 100mbit uplink (about 3.4 s in flight).
# orgalorg_env       temporary client HOME under $BATS_FILE_TMPDIR with an
#                    empty known_hosts and the cluster key as id_ed25519; unsets
#                    SSH_AUTH_SOCK. Tests never touch the real ~/.ssh.

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
CLUSTER=$REPO/tests/cluster/cluster
ORGALORG=${ORGALORG:-$REPO/build/orgalorg}
export REPO CLUSTER ORGALORG
if [[ ${ORGALORG_SANITIZED:-} == 1 ]]; then RSS_BOUND_KB=1048576; else RSS_BOUND_KB=65536; fi

uses_cluster() {  # N
  E2E_HOSTS=$1
  setup_file() { cluster_ensure "$E2E_HOSTS"; }
  teardown_file() { cluster_release; }
}

cluster_ensure() {
  local want=$1
  if [[ ${CLUSTER_UP:-} == 1 ]]; then
    rm -f "$BATS_FILE_TMPDIR/cluster-owned"
  else
    # Output goes to a log: a failing `up` shows it in the bats report.
    "$CLUSTER" up "$want" >"$BATS_FILE_TMPDIR/cluster-up.log" 2>&1 || {
      cat "$BATS_FILE_TMPDIR/cluster-up.log" >&2
      return 1
    }
    : >"$BATS_FILE_TMPDIR/cluster-owned"
  fi
  eval "$("$CLUSTER" env)"
  export CLUSTER_KEY CLUSTER_USER CLUSTER_DIR CLUSTER_N
  if ((CLUSTER_N < want)); then
    echo "cluster has $CLUSTER_N hosts, this file needs $want" >&2
    return 1
  fi
  CLUSTER_IPS=$("$CLUSTER" ips | tr '\n' ' ')
  export CLUSTER_IPS
}

cluster_release() {
  if [[ -e $BATS_FILE_TMPDIR/cluster-owned ]]; then
    rm -f "$BATS_FILE_TMPDIR/cluster-owned"
    "$CLUSTER" down
  fi
}

host_ip() {
  local -a ips
  if [[ -n ${CLUSTER_IPS:-} ]]; then
    read -r -a ips <<<"$CLUSTER_IPS"
  else
    mapfile -t ips < <("$CLUSTER" ips)
  fi
  [[ -n ${ips[$1]:-} ]] || { echo "host_ip: no host $1" >&2; return 1; }
  echo "${ips[$1]}"
}

name_hosts() {  # N
  local i ip
  U=$CLUSTER_USER
  for ((i = 0; i < $1; i++)); do
    ip=$(host_ip "$i") || return 1
    printf -v "IP$i" %s "$ip"
    printf -v "H$i" %s "$U@$ip"
  done
}

orgalorg_env() {
  HOME=$BATS_FILE_TMPDIR/home
  mkdir -p "$HOME/.ssh"
  chmod 700 "$HOME/.ssh"
  : >"$HOME/.ssh/known_hosts"
  install -m 600 "$CLUSTER_KEY" "$HOME/.ssh/id_ed25519"
  install -m 644 "$CLUSTER_KEY.pub" "$HOME/.ssh/id_ed25519.pub"
  unset SSH_AUTH_SOCK
  export HOME
}

live_matching() {
  ps -eo stat=,args= | awk '$1 !~ /^Z/ { sub(/^[^ ]+ +/, ""); print }' | grep -c -- "$1" || true
}

# Waits until `live_matching PATTERN` reaches COUNT (10 s at most).
await_matching() {  # pattern count
  await 10 matching_at_least "$1" "$2"
}

matching_at_least() { [ "$(live_matching "$1")" -ge "$2" ]; }

await() {  # SECS CMD...
  local n=$(($1 * 20))
  shift
  while ((n-- > 0)); do
    "$@" && return 0
    if [[ -n ${RUN_PID:-} ]] && ! kill -0 "$RUN_PID" 2>/dev/null; then
      "$@" && return 0  # the run ended: last chance
      echo "await: the run ended before: $*" >&2
      return 1
    fi
    sleep 0.05
  done
  echo "await: timed out waiting for: $*" >&2
  return 1
}

now_us() { local t=$EPOCHREALTIME; echo $((10#${t/./})); }

log_time() {
  [ -n "${E2E_TIMES:-}" ] || return 0
  local rss=
  [ -z "${RSS_KB:-}" ] || rss=", peak RSS $RSS_KB KB (base ${BASE_RSS_KB:-?} KB)"
  echo "$BATS_TEST_DESCRIPTION: exit $status after $ELAPSED_MS ms$rss" >>"$E2E_TIMES"
}

file_bigger_than() { [ "$(stat -c %s "$1" 2>/dev/null || echo 0)" -gt "$2" ]; }

pids_on() {  # I ERE
  local i=$1 re=$2 pid args stat
  for pid in $(ip netns pids "orgc$i" 2>/dev/null); do
    { read -r stat <"/proc/$pid/stat"; } 2>/dev/null || continue
    stat=${stat##*) }
    [[ ${stat:0:1} == [ZX] ]] && continue
    args=$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null) || continue
    [[ $args =~ $re ]] && echo "$pid"
  done
  return 0
}
count_on() { pids_on "$@" | wc -l; }
running_on() { [ "$(count_on "$1" "$2")" -ge "${3:-1}" ]; }
gone_on() { [ "$(count_on "$1" "$2")" -eq 0 ]; }

no_local_orgalorg() { ! pgrep -f -- "^$ORGALORG( |\$)" >/dev/null; }

err_has() { grep -F -- "$1" "$ERR" >/dev/null; }

make_upload_tree() {  # D
  local d=$1
  mkdir -p "$d/tree/sub/empty"
  echo "plain" >"$d/tree/plain"
  head -c 3000000 /dev/urandom >"$d/tree/sub/big.bin"
  printf 'odd\n' >"$d/tree/sp ace 'q\" "
  printf 'nl\n' >"$d/tree/new
line"
  printf 'bin\n' >"$d/tree/$(printf 'n\xffm')"
  ln -s plain "$d/tree/link"
  ln -s /nonexistent "$d/tree/dangling"
  ln "$d/tree/plain" "$d/tree/hard"
  chmod 0640 "$d/tree/plain"
  chmod 0700 "$d/tree/sub/empty"
  chmod 4755 "$d/tree/sub/big.bin"
  chown 1234:2345 "$d/tree/sub/big.bin"
  touch -d '2020-02-03 04:05:06.123456789' "$d/tree/sub/big.bin"
}

manifest() {  # DIR
  (cd "$1" && find . -print0 | sort -z | xargs -0 stat -c '%n|%F|%a|%u|%g|%.9Y|%N' |
    sed 's/|[^|]*-> /|-> /')
  (cd "$1" && find . -type f -print0 | sort -z | xargs -0 sha1sum)
}

start_agent() {
  eval "$(ssh-agent -s -a "$BATS_TEST_TMPDIR/agent.sock")" >/dev/null
  ssh-add -q "$HOME/.ssh/id_ed25519"
}
stop_agent() { [ -z "${SSH_AGENT_PID:-}" ] || kill "$SSH_AGENT_PID" 2>/dev/null || true; }

relay_setup() {  # N
  orgalorg_env
  name_hosts "$1"
  RELAY_HOSTS=$1
  start_agent
  SRC=$BATS_TEST_TMPDIR/src
  make_upload_tree "$SRC"
}
all_hosts() { local i; for ((i = 0; i < RELAY_HOSTS; i++)); do printf -- '-o %s ' "$U@$(host_ip "$i")"; done; }

start_big_relay() {  # DEST
  head -c 40000000 /dev/urandom >"$BATS_TEST_TMPDIR/big.bin"
  for i in 0 1 2 3 4 5; do "$CLUSTER" exec "$i" "rm -rf $1"; done
  "$CLUSTER" uplink 100mbit
  cd "$BATS_TEST_TMPDIR"
  START_US=$(now_us)
  # shellcheck disable=SC2046
  "$ORGALORG" -v -y -z 3000 -a 1000 $(all_hosts) -r "$1" -e --relay -U big.bin \
    >"$BATS_TEST_TMPDIR/out" 2>"$BATS_TEST_TMPDIR/err" </dev/null &
  RUN_PID=$!
  ERR=$BATS_TEST_TMPDIR/err
}
