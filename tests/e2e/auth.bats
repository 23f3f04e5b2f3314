#!/usr/bin/env bats
# Authentication: an encrypted key's passphrase and a -p password are asked
# once per run on the terminal (not per host); wrong ones are clear errors
# naming the host; ~/.ssh/config supplies HostName, User, Port, IdentityFile.

bats_require_minimum_version 1.5.0
load helpers
uses_cluster 2

setup() {
  orgalorg_env
  name_hosts 2
  KEY=$BATS_TEST_TMPDIR/encrypted
  cp "$CLUSTER_KEY" "$KEY"
  chmod 600 "$KEY"
  ssh-keygen -q -p -P '' -N 'open sesame' -f "$KEY" >/dev/null
}

# Runs orgalorg on a pty, answers every PROMPT with ANSWER, and prints what
# the terminal showed.
# Colour is off: on a terminal it would be on (auto) and split the lines
# the tests look for with escapes.
on_pty() {  # prompt, answer, orgalorg args...
  local prompt=$1 answer=$2
  shift 2
  expect -c "
    set timeout 30
    log_user 1
    spawn -noecho $ORGALORG --color never $*
    expect {
      \"$prompt\" { send \"$answer\r\"; exp_continue }
      eof
    }
    catch wait result
    exit [lindex \$result 3]
  "
}

@test "an encrypted key's passphrase is asked once on the terminal for every host" {
  run on_pty 'Key passphrase: ' 'open sesame' -y -k "$KEY" -o "$H0" -o "$H1" -C -- echo in
  [ "$status" -eq 0 ]
  [ "$(grep -c 'Key passphrase: ' <<<"$output")" -eq 1 ]
  echo "$output"
  [[ "$output" == *"$H0 in"* ]]
  [[ "$output" == *"$H1 in"* ]]
  # The passphrase is never echoed.
  [[ "$output" != *"open sesame"* ]]
}

@test "a wrong passphrase is a clear error naming the host" {
  run on_pty 'Key passphrase: ' 'wrong words' -y -k "$KEY" -o "$H0" -C -- echo in
  [ "$status" -eq 1 ]
  [[ "$output" == *"invalid passphrase for private key specified"* ]]
  [[ "$output" == *"$H0"* ]]
  [[ "$output" != *"$H0 in"* ]]
}

# Sets (or, with `*`, removes) orgatest's password inside host I's overlay.
set_password() {  # host index, password or '*'
  if [[ $2 == '*' ]]; then
    "$CLUSTER" exec "$1" "usermod -p '*' $CLUSTER_USER"
  else
    "$CLUSTER" exec "$1" "echo '$CLUSTER_USER:$2' | chpasswd"
  fi
}

@test "-p asks the password once on the terminal for every host" {
  set_password 0 'pass word 1'
  set_password 1 'pass word 1'
  rm -f "$HOME/.ssh/id_ed25519" "$HOME/.ssh/id_ed25519.pub"
  run on_pty 'Password: ' 'pass word 1' -y -p -v -v -o "$H0" -o "$H1" -C -- whoami
  set_password 0 '*'
  set_password 1 '*'
  orgalorg_env
  [ "$status" -eq 0 ]
  [ "$(grep -c 'Password: ' <<<"$output")" -eq 1 ]
  # At -v output lines name the stream and the host's identity.
  [[ "$output" == *"<stdout> [$H0:22] $U"* ]]
  [[ "$output" == *"<stdout> [$H1:22] $U"* ]]
  [[ "$output" == *"$H0:22] in "*" ms ("*", password)"* ]]
  # Not on the terminal, not in the -v -v logs.
  [[ "$output" != *"pass word 1"* ]]
}

@test "a refused password names the host and nothing runs" {
  set_password 0 'right one'
  rm -f "$HOME/.ssh/id_ed25519" "$HOME/.ssh/id_ed25519.pub"
  run on_pty 'Password: ' 'right one' -y -p -o "$H0" -o "$H1" -C -- echo in
  set_password 0 '*'
  orgalorg_env
  [ "$status" -eq 1 ]
  [[ "$output" == *"can't connect to $H1"* ]]
  grep -A1 "can't connect to $H1" <<<"$output" | grep -q 'password refused'
  [[ "$output" != *"$H0 in"* ]]
  [[ "$output" != *"right one"* ]]
}

@test "~/.ssh/config gives HostName, User, Port and IdentityFile; user@ and :port win" {
  mv "$HOME/.ssh/id_ed25519" "$HOME/.ssh/cluster_key"
  rm -f "$HOME/.ssh/id_ed25519.pub"
  cat >"$HOME/.ssh/config" <<EOC
Host alpha
  HostName $(host_ip 0)
  User $U
  Port 22
  IdentityFile ~/.ssh/cluster_key
Host beta
  HostName $(host_ip 1)
  User nobody-here
  Port 2222
  IdentityFile ~/.ssh/cluster_key
EOC
  run "$ORGALORG" -y -o alpha -o "$U@beta:22" -C -- 'echo $(whoami)@$(hostname)'
  rm -f "$HOME/.ssh/config"
  orgalorg_env
  echo "$output"
  [ "$status" -eq 0 ]
  [[ "$output" == *"alpha $U@orgc0"* ]]
  [[ "$output" == *"$U@beta:22 $U@orgc1"* ]]
}
