# tests/e2e/helpers.bash — shared by every e2e bats file (`load helpers`).
#
# REPO, CLUSTER (the cluster script), ORGALORG (binary under test).
# cluster_ensure N   in setup_file: bring up N hosts unless CLUSTER_UP=1 (then
#                    reuse the running cluster, which must have >= N hosts);
#                    exports CLUSTER_KEY/USER/DIR/N and CLUSTER_IPS.
# cluster_release    in teardown_file: tear down only what cluster_ensure made.
# host_ip I          address of host I.
# live_matching P    count of live (not zombie) processes on the machine whose
#                    command line matches grep pattern P (the hosts share
#                    the machine's pid namespace: use markers unique per test).
# await_matching P N wait (10 s at most) until live_matching P reaches N.
# RSS_BOUND_KB       the most client memory (peak RSS, KiB) a bounded-memory
#                    test accepts: 64 MiB, or 1 GiB for a sanitizer build
#                    (ORGALORG_SANITIZED=1: ASan's shadow and quarantine).
# orgalorg_env       temporary client HOME under $BATS_FILE_TMPDIR with an
#                    empty known_hosts and the cluster key as id_ed25519; unsets
#                    SSH_AUTH_SOCK. Tests never touch the real ~/.ssh.

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
CLUSTER=$REPO/tests/cluster/cluster
ORGALORG=${ORGALORG:-$REPO/build/orgalorg}
export REPO CLUSTER ORGALORG
if [[ ${ORGALORG_SANITIZED:-} == 1 ]]; then RSS_BOUND_KB=1048576; else RSS_BOUND_KB=65536; fi

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
  for _ in $(seq 100); do
    [ "$(live_matching "$1")" -ge "$2" ] && return 0
    sleep 0.1
  done
  return 1
}
