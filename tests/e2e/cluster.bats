#!/usr/bin/env bats
# The local test cluster itself (tests/cluster/cluster): every host answers
# SSH as the test user and as root, hosts have separate filesystems and locks,
# and cut/heal, rate and kill-sshd/start-sshd do what the e2e tests rely on.

load helpers
uses_cluster 3

# The last host is the one these tests disturb; put it back after each test.
setup() {
  victim=$((CLUSTER_N - 1))
}

teardown() {
  "$CLUSTER" heal "$victim"
  "$CLUSTER" rate "$victim" off
  "$CLUSTER" start-sshd "$victim"
}

ssh_to() {  # USER@IP CMD...: plain OpenSSH with the cluster key, no state kept
  ssh -i "$CLUSTER_KEY" -o UserKnownHostsFile=/dev/null -o StrictHostKeyChecking=no \
    -o BatchMode=yes -o LogLevel=ERROR -o ConnectTimeout=5 "$@"
}

@test "ips prints one address per host, all inside 10.231.0.0/16" {
  run "$CLUSTER" ips
  [ "$status" -eq 0 ]
  [ "${#lines[@]}" -eq "$CLUSTER_N" ]
  for ip in "${lines[@]}"; do [[ $ip == 10.231.* ]]; done
  [ "${lines[0]}" = "$(host_ip 0)" ]
}

@test "every host answers ssh as the test user and as root" {
  for ((i = 0; i < 3; i++)); do
    run ssh_to "$CLUSTER_USER@$(host_ip "$i")" 'id -un; hostname'
    [ "$status" -eq 0 ]
    [ "${lines[0]}" = "$CLUSTER_USER" ]
    [ "${lines[1]}" = "orgc$i" ]
    run ssh_to "root@$(host_ip "$i")" 'id -un'
    [ "$status" -eq 0 ]
    [ "$output" = root ]
  done
}

@test "the test user has passwordless sudo" {
  run ssh_to "$CLUSTER_USER@$(host_ip 1)" 'sudo -n true && sudo -n id -un'
  [ "$status" -eq 0 ]
  [ "$output" = root ]
}

@test "exec passes output and exit status through" {
  run "$CLUSTER" exec 0 'echo out; echo err >&2; exit 7'
  [ "$status" -eq 7 ]
  [[ $output == *out* && $output == *err* ]]
}

@test "a file written on host 0 is absent on host 1 and on the real machine" {
  name=cluster-bats-$$-$RANDOM
  "$CLUSTER" exec 0 "echo x >/etc/$name && mkdir -p /var/run/orgalorg && echo y >/var/run/orgalorg/$name"
  run "$CLUSTER" exec 0 "cat /etc/$name /var/run/orgalorg/$name"
  [ "$status" -eq 0 ]
  run "$CLUSTER" exec 1 "ls /etc/$name /var/run/orgalorg/$name"
  [ "$status" -ne 0 ]
  [ ! -e "/etc/$name" ]
  [ ! -e "/var/run/orgalorg/$name" ]
  "$CLUSTER" exec 0 "rm -f /etc/$name /var/run/orgalorg/$name"
}

@test "flock -nx / held on host 0 does not block host 1" {
  # fd 3 closed: bats waits for it otherwise.
  "$CLUSTER" exec 0 'flock -nx / sh -c "touch /tmp/locked; sleep 4"' 3>&- &
  holder=$!
  await 5 "$CLUSTER" exec 0 'test -e /tmp/locked'
  run "$CLUSTER" exec 0 'flock -nx / true'
  [ "$status" -ne 0 ]                          # really held on host 0
  run "$CLUSTER" exec 1 'flock -nx / true'
  [ "$status" -eq 0 ]
  wait "$holder"
  "$CLUSTER" exec 0 'rm -f /tmp/locked'
}

@test "cut makes ssh time out, heal restores it" {
  ip=$(host_ip "$victim")
  "$CLUSTER" cut "$victim"
  start=$SECONDS
  run ssh_to -o ConnectTimeout=2 "$CLUSTER_USER@$ip" true
  [ "$status" -eq 255 ]
  [[ $output == *"timed out"* ]]               # silent drop: no refusal, no ICMP
  ((SECONDS - start >= 1))
  "$CLUSTER" heal "$victim"
  run ssh_to "$CLUSTER_USER@$ip" true
  [ "$status" -eq 0 ]
}

@test "rate limits the host's link, off removes the limit" {
  ip=$(host_ip "$victim")
  "$CLUSTER" rate "$victim" 2mbit
  start=$(now_us)
  head -c 500000 /dev/zero | ssh_to "$CLUSTER_USER@$ip" 'cat >/dev/null'
  micros=$(($(now_us) - start))
  ((micros >= 1500000))                        # 4 Mbit at 2 Mbit/s: ~2 s
  "$CLUSTER" rate "$victim" off
  run tc qdisc show dev "orgcv$victim"
  [[ $output != *tbf* ]]
}

@test "kill-sshd refuses connections, start-sshd brings sshd back" {
  ip=$(host_ip "$victim")
  "$CLUSTER" kill-sshd "$victim"
  run ssh_to "$CLUSTER_USER@$ip" true
  [ "$status" -eq 255 ]
  [[ $output == *refused* ]]
  "$CLUSTER" start-sshd "$victim"
  run ssh_to "$CLUSTER_USER@$ip" true
  [ "$status" -eq 0 ]
}

@test "orgalorg_env gives a private HOME whose key and known_hosts work" {
  real_home=$HOME
  orgalorg_env
  [ "$HOME" != "$real_home" ]
  [ -z "${SSH_AUTH_SOCK:-}" ]
  [ ! -s "$HOME/.ssh/known_hosts" ]
  # OpenSSH takes ~ from the passwd entry, not $HOME: name the files.
  run ssh -F none -i "$HOME/.ssh/id_ed25519" -o UserKnownHostsFile="$HOME/.ssh/known_hosts" \
    -o BatchMode=yes -o StrictHostKeyChecking=accept-new -o LogLevel=ERROR \
    "$CLUSTER_USER@$(host_ip 0)" true
  [ "$status" -eq 0 ]
  grep -F "$(host_ip 0)" "$HOME/.ssh/known_hosts" >/dev/null
}

# The holder of each host used to print its pid before its chroot, and sshd,
# started with nsenter -r on that pid, could land in the real machine's root
# ("Missing privilege separation directory: /run/sshd"). A delay forced just
# before the chroot must not break `up`. This replaces the cluster (shared or
# this file's) by a fresh one of the same size, which stays up for what runs
# next; the cluster's paths, addresses and size are unchanged.
@test "up waits until every holder is inside its host's root (forced delay)" {
  n=$CLUSTER_N
  "$CLUSTER" down
  run env ORGALORG_CLUSTER_HOLDER_DELAY=0.5 "$CLUSTER" up "$n"
  if [ "$status" -ne 0 ]; then
    "$CLUSTER" up "$n" >/dev/null 2>&1 || true   # leave a cluster for the rest
    echo "$output"
    false
  fi
  for ((i = 0; i < n; i++)); do
    grep -F 'waiting 0.5 s before the chroot' "$CLUSTER_DIR/hosts/$i/holder.log"
    read -r sshd <"$CLUSTER_DIR/hosts/$i/sshd.pid"
    [ "$(readlink "/proc/$sshd/root")" = "$CLUSTER_DIR/mnt/root" ]
    run ssh_to "root@$(host_ip "$i")" 'hostname && test -d /run/sshd'
    [ "$status" -eq 0 ]
    [ "$output" = "orgc$i" ]
  done
}
