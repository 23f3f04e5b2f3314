#!/usr/bin/env bats
# Jump hosts (-J): the test network. `cluster isolate 1 2 --via 0` hides
# hosts 1 and 2 from the client (this machine) while host 0, the bastion,
# still reaches them and forwards TCP as OpenSSH does by default; OpenSSH's
# own `ssh -J` through host 0 reaches them, and so does orgalorg's -J, over
# one connection to host 0 and no ssh process.

bats_require_minimum_version 1.5.0
load helpers

setup_file() {
  cluster_ensure 3
  "$CLUSTER" isolate 1 2 --via 0
}

teardown_file() {
  "$CLUSTER" unisolate 1 2
  cluster_release
}

setup() {
  orgalorg_env
  name_hosts 3
  # Plain OpenSSH, the cluster key for every hop (ssh -J passes -F on).
  SSH_CFG=$BATS_TEST_TMPDIR/ssh_config
  cat >"$SSH_CFG" <<EOC
Host *
  User $U
  IdentityFile $CLUSTER_KEY
  IdentitiesOnly yes
  StrictHostKeyChecking no
  UserKnownHostsFile /dev/null
  BatchMode yes
  LogLevel ERROR
  ConnectTimeout 5
EOC
}

# IP: a TCP connect from the client to IP:22 succeeds within 2 s.
client_reaches() { timeout 2 bash -c 'exec 3<>"/dev/tcp/$1/22"' _ "$1" 2>/dev/null; }

# I IP: a TCP connect from inside host I to IP:22 succeeds within 2 s.
host_reaches() { "$CLUSTER" exec "$1" "timeout 2 bash -c 'exec 3<>/dev/tcp/$2/22'"; }

sshd_setting() {  # I KEYWORD: host I's sshd's effective value of KEYWORD
  "$CLUSTER" exec "$1" "/usr/sbin/sshd -T -f $CLUSTER_DIR/hosts/$1/sshd_config" |
    awk -v k="$2" 'tolower($1) == tolower(k) { print $2 }'
}

@test "a hidden host cannot be reached from the client, by TCP or by ssh" {
  client_reaches "$IP0"
  run client_reaches "$IP1"
  [ "$status" -ne 0 ]
  run client_reaches "$IP2"
  [ "$status" -ne 0 ]
  run ssh -F "$SSH_CFG" -o ConnectTimeout=2 "$IP1" true
  [ "$status" -eq 255 ]
}

@test "the bastion reaches every hidden host, and they reach one another" {
  host_reaches 0 "$IP1"
  host_reaches 0 "$IP2"
  host_reaches 1 "$IP2"
}

@test "the bastion's sshd runs with OpenSSH's defaults for a bastion" {
  [ "$(sshd_setting 0 AllowTcpForwarding)" = yes ]
  [ "$(sshd_setting 0 MaxStartups)" = 10:30:100 ]
  [ "$(sshd_setting 1 MaxStartups)" = 200:30:200 ]
}

@test "OpenSSH's ssh -J through the bastion reaches each hidden host" {
  run ssh -F "$SSH_CFG" -J "$IP0" "$IP1" hostname
  [ "$status" -eq 0 ]
  [ "$output" = orgc1 ]
  run ssh -F "$SSH_CFG" -J "$U@$IP0:22" "$IP2" hostname
  [ "$status" -eq 0 ]
  [ "$output" = orgc2 ]
}

@test "isolate refuses a hidden bastion, a bastion as target and bad usage" {
  run "$CLUSTER" isolate 0 --via 1
  [ "$status" -ne 0 ]
  [[ $output == *"bastion 1 is itself hidden"* ]]
  run "$CLUSTER" isolate 2 --via 2
  [ "$status" -ne 0 ]
  run "$CLUSTER" isolate 1
  [ "$status" -ne 0 ]
  [[ $output == *"usage: cluster isolate I... --via B"* ]]
}

@test "unisolate shows the hosts again and gives the bastion its config back" {
  "$CLUSTER" unisolate 1 2
  client_reaches "$IP1"
  client_reaches "$IP2"
  [ "$(sshd_setting 0 MaxStartups)" = 200:30:200 ]
  "$CLUSTER" isolate 1 2 --via 0          # as the other tests expect
  run client_reaches "$IP1"
  [ "$status" -ne 0 ]
  [ "$(sshd_setting 0 MaxStartups)" = 10:30:100 ]
}

@test "-J runs a command on every hidden host through the bastion" {
  run --separate-stderr "$ORGALORG" -y -J "$H0" -o "$H1" -o "$H2" -C hostname
  [ "$status" -eq 0 ]
  [ "$(sort <<<"$output")" = "$(printf '%s\n' "$H1 orgc1" "$H2 orgc2")" ]
  # Every hop's host key was checked and recorded (accept-new).
  grep -q "^$IP0 " "$HOME/.ssh/known_hosts"
  grep -q "^$IP1 " "$HOME/.ssh/known_hosts"
  grep -q "^$IP2 " "$HOME/.ssh/known_hosts"
}

@test "-J with a jump host that refuses fails every host, naming the jump host" {
  run --separate-stderr "$ORGALORG" -y -J "$U@$IP0:2222" -o "$H1" -o "$H2" -C hostname
  [ "$status" -ne 0 ]
  [ -z "$output" ]
  # One message for the jump host, with the count, not one per host.
  [ "$(grep -c "jump host" <<<"$stderr")" -eq 1 ]
  [[ $stderr == *"can't connect to jump host [$U@$IP0:2222], so to none of the 2 nodes behind it"* ]]
  [[ $stderr == *"connection refused"* ]]
}

@test "-J: a forward the bastion can't make names the target and the jump host" {
  run --separate-stderr "$ORGALORG" -y -J "$H0" -o "$U@$IP1:2222" -o "$H2" -w -C hostname
  [ "$status" -eq 0 ]
  [ "$output" = "$H2 orgc2" ]
  [[ $stderr == *"can't open a channel to $IP1:2222 through jump host [$U@$IP0:22]"* ]]
}

@test "-J rejects a malformed jump host before connecting" {
  run --separate-stderr "$ORGALORG" -y -J "$U@$IP0:x" -o "$H1" -C true
  [ "$status" -ne 0 ]
  [[ $stderr == *"jump host $U@$IP0:x: bad port 'x'"* ]]
}

@test "-J carries bulk data to the hosts with bounded memory" {
  head -c 30000000 /dev/urandom >"$BATS_TEST_TMPDIR/big.bin"
  sum=$(sha256sum <"$BATS_TEST_TMPDIR/big.bin" | cut -d' ' -f1)
  cd "$BATS_TEST_TMPDIR"
  run --separate-stderr /usr/bin/time -o "$BATS_TEST_TMPDIR/rss" -f %M \
    "$ORGALORG" -y -J "$H0" -o "$H1" -o "$H2" -r /tmp/jump-up -e -U big.bin
  [ "$status" -eq 0 ]
  RSS_KB=$(tail -n 1 "$BATS_TEST_TMPDIR/rss")
  [ "$RSS_KB" -lt "$RSS_BOUND_KB" ]
  for i in 1 2; do
    [ "$("$CLUSTER" exec "$i" "sha256sum </tmp/jump-up/big.bin" | cut -d' ' -f1)" = "$sum" ]
  done
}

@test "-J carries bulk output back from the hosts, all of it" {
  run --separate-stderr "$ORGALORG" -y -J "$H0" -o "$H1" -o "$H2" -C \
    'head -c 10000000 /dev/zero | tr "\0" x | fold -w 1000'
  [ "$status" -eq 0 ]
  [ "$(grep -c "^$H1 x" <<<"$output")" -eq 10000 ]
  [ "$(grep -c "^$H2 x" <<<"$output")" -eq 10000 ]
  [ "$(wc -c <<<"$output")" -eq $((2 * 10000 * (1001 + ${#H1} + 1))) ]
}
