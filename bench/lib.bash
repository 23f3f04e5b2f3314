# bench/lib.bash -- shared by the benchmark scripts (`source "$here/lib.bash"`).
#
# Expects `here` (bench/), `repo`, `cluster` (tests/cluster/cluster) and
# `bench_name` to be set by the caller. Provides:
#   log MSG...                 timestamped line on stderr
#   install_peers              apt-installs pssh, pdsh, clustershell if missing
#   cluster_ready N            uses a cluster of >= N hosts or brings one up;
#                              sets we_brought_up, all_ips, CLUSTER_* vars
#   client_home DIR            temporary HOME with the cluster key and an empty
#                              known_hosts; sets home, key, kh; unsets the agent
#   pin_orgalorg DIR           copies $orgalorg into DIR (a rebuild during the
#                              run does not matter) and points $orgalorg at
#                              the copy; sets orgalorg_sha (16 hex digits)
#   pin_baseline DIR BIN       copies BIN (an earlier orgalorg, --baseline) into
#                              DIR as orgalorg-base; sets orgalorg_base and
#                              orgalorg_base_sha
#   trust_hosts N              adds hosts 0..N-1's ed25519 keys to $kh
#   peer_ssh_opts TIMEOUT_S    fills ssh_opts / ssh_opts_str: no config files,
#                              our key and known_hosts, the kex and cipher
#                              libssh uses, no prompts
#   wait_idle                  waits (<= 20 s) for 0.5 s with all cores >= 85%
#                              idle; counts misses in busy_starts
#   machine_idle_note          one line: idle share over 3 s, load, busy procs

log() { printf '%s %s: %s\n' "$(date +%T)" "$bench_name" "$*" >&2; }

install_peers() {
  local need=()
  command -v parallel-ssh >/dev/null || need+=(pssh)
  command -v pdsh >/dev/null || need+=(pdsh)
  command -v clush >/dev/null || need+=(clustershell)
  if ((${#need[@]})); then
    log "installing ${need[*]}"
    apt-get install -y "${need[@]}" >/dev/null
  fi
}

we_brought_up=0
cluster_ready() {  # N
  local want=$1 have=0
  if "$cluster" env >/dev/null 2>&1; then
    have=$("$cluster" ips 2>/dev/null | wc -l)
  fi
  if ((have < want)); then
    log "bringing up a cluster of $want hosts (had $have)"
    "$cluster" down >/dev/null
    "$cluster" up "$want" >&2
    we_brought_up=1
  else
    log "using the cluster that is up ($have hosts)"
  fi
  # shellcheck disable=SC1090
  source <("$cluster" env)
  mapfile -t all_ips < <("$cluster" ips)
}

client_home() {  # DIR
  home=$1
  mkdir -p "$home/.ssh"; chmod 700 "$home/.ssh"
  key="$home/.ssh/id_ed25519"
  cp "$CLUSTER_KEY" "$key"; chmod 600 "$key"
  kh="$home/.ssh/known_hosts"
  : >"$kh"
  unset SSH_AUTH_SOCK
}

pin_orgalorg() {  # DIR
  cp "$orgalorg" "$1/orgalorg"
  orgalorg_sha=$(sha256sum "$orgalorg" | cut -c1-16)
  orgalorg="$1/orgalorg"
}

pin_baseline() {  # DIR BIN
  [[ -x $2 ]] || { log "no baseline binary $2"; exit 1; }
  cp "$2" "$1/orgalorg-base"
  orgalorg_base_sha=$(sha256sum "$2" | cut -c1-16)
  orgalorg_base="$1/orgalorg-base"
}

trust_hosts() {  # N
  printf '%s\n' "${all_ips[@]:0:$1}" | ssh-keyscan -t ed25519 -f - 2>/dev/null >>"$kh"
  sort -u -o "$kh" "$kh"
}

peer_ssh_opts() {  # connect timeout in seconds
  ssh_opts=(-F /dev/null -i "$key" -o IdentitiesOnly=yes
    -o UserKnownHostsFile="$kh" -o GlobalKnownHostsFile=/dev/null
    -o StrictHostKeyChecking=no -o UpdateHostKeys=no
    -o KexAlgorithms=curve25519-sha256 -o Ciphers=aes128-gcm@openssh.com
    -o BatchMode=yes -o ConnectTimeout="$1")
  ssh_opts_str="${ssh_opts[*]}"
}

busy_starts=0
# Busy and total jiffies of all cores between two /proc/stat samples.
_cpu_delta() {  # seconds -> "busy total"
  local a b i d busy=0 tot=0
  read -r -a a < <(head -1 /proc/stat); sleep "$1"; read -r -a b < <(head -1 /proc/stat)
  for i in 1 2 3 4 5 6 7 8; do
    d=$((b[i] - a[i])); tot=$((tot + d))
    ((i == 4 || i == 5)) || busy=$((busy + d))
  done
  echo "$busy $tot"
}

wait_idle() {
  local tries busy tot
  for ((tries = 0; tries < 40; tries++)); do
    read -r busy tot < <(_cpu_delta 0.5)
    ((tot > 0 && 100 * busy <= 15 * tot)) && return 0
  done
  busy_starts=$((busy_starts + 1))
  log "machine still busy after 20 s; running anyway"
}

machine_idle_note() {
  local busy tot l top
  read -r busy tot < <(_cpu_delta 3)
  l=$(cut -d' ' -f1-3 /proc/loadavg)
  top=$(top -bn1 -w 200 | awk 'NR > 7 && $9 > 5 {printf "%s %s%%, ", $12, $9}' | head -c 200)
  echo "machine $((100 * (tot - busy) / tot))% idle over 3 s, load average $l; busy processes: ${top:-none}"
}
