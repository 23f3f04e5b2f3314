#!/usr/bin/env bats
# Authentication prompts on a terminal: an encrypted key's passphrase is
# asked once per run (not per host), and a wrong one is a clear error.

bats_require_minimum_version 1.5.0
load helpers

setup_file() {
  cluster_ensure 2
}

teardown_file() {
  cluster_release
}

setup() {
  orgalorg_env
  U=$CLUSTER_USER
  H0=$U@$(host_ip 0); H1=$U@$(host_ip 1)
  KEY=$BATS_TEST_TMPDIR/encrypted
  cp "$CLUSTER_KEY" "$KEY"
  chmod 600 "$KEY"
  ssh-keygen -q -p -P '' -N 'open sesame' -f "$KEY" >/dev/null
}

# Runs orgalorg on a pty, answers every passphrase prompt with $1, and
# prints what the terminal showed.
on_pty() {  # passphrase, orgalorg args...
  local pass=$1
  shift
  expect -c "
    set timeout 30
    log_user 1
    spawn -noecho $ORGALORG $*
    expect {
      \"Key passphrase: \" { send \"$pass\r\"; exp_continue }
      eof
    }
    catch wait result
    exit [lindex \$result 3]
  "
}

@test "an encrypted key's passphrase is asked once on the terminal for every host" {
  run on_pty 'open sesame' -y -k "$KEY" -o "$H0" -o "$H1" -C -- echo in
  [ "$status" -eq 0 ]
  [ "$(grep -c 'Key passphrase: ' <<<"$output")" -eq 1 ]
  [[ "$output" == *"$H0 in"* ]]
  [[ "$output" == *"$H1 in"* ]]
  # The passphrase is never echoed.
  [[ "$output" != *"open sesame"* ]]
}

@test "a wrong passphrase is a clear error naming the host" {
  run on_pty 'wrong words' -y -k "$KEY" -o "$H0" -C -- echo in
  [ "$status" -eq 1 ]
  [[ "$output" == *"invalid passphrase for private key specified"* ]]
  [[ "$output" == *"$H0"* ]]
  [[ "$output" != *"$H0 in"* ]]
}
