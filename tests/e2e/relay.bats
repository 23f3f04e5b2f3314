#!/usr/bin/env bats
# Relay (--relay[=K]): the upload leaves the client once and flows host to
# host over ssh, each hop's key pinned, the operator's agent forwarded to
# the relay only.

bats_require_minimum_version 1.5.0
load helpers

setup_file() {
  cluster_ensure "${E2E_HOSTS:-6}"
}
teardown_file() { cluster_release; }

setup() {
  orgalorg_env
  name_hosts 6
  # The operator's agent, holding the cluster key (the hops log in with it).
  eval "$(ssh-agent -s -a "$BATS_TEST_TMPDIR/agent.sock")" >/dev/null
  ssh-add -q "$HOME/.ssh/id_ed25519"
  SRC=$BATS_TEST_TMPDIR/src
  mkdir -p "$SRC/tree/sub/empty"
  echo "plain" >"$SRC/tree/plain"
  head -c 3000000 /dev/urandom >"$SRC/tree/sub/big.bin"
  printf 'odd\n' >"$SRC/tree/sp ace 'q\" "
  printf 'nl\n' >"$SRC/tree/new
line"
  printf 'bin\n' >"$SRC/tree/$(printf 'n\xffm')"
  ln -s plain "$SRC/tree/link"
  ln -s /nonexistent "$SRC/tree/dangling"
  ln "$SRC/tree/plain" "$SRC/tree/hard"
  chmod 0640 "$SRC/tree/plain"
  chmod 0700 "$SRC/tree/sub/empty"
  chmod 4755 "$SRC/tree/sub/big.bin"
  chown 1234:2345 "$SRC/tree/sub/big.bin"
  touch -d '2020-02-03 04:05:06.123456789' "$SRC/tree/sub/big.bin"
}

teardown() {
  [ -z "${SSH_AGENT_PID:-}" ] || kill "$SSH_AGENT_PID" 2>/dev/null || true
  "$CLUSTER" uplink off >/dev/null 2>&1 || true
}

all_hosts() { local i; for ((i = 0; i < 6; i++)); do printf -- '-o %s ' "$U@$(host_ip "$i")"; done; }

# name, type, mode, uid, gid, size, mtime, link target, and hash of every entry.
manifest() {  # dir
  (cd "$1" && find . -print0 | sort -z | xargs -0 stat -c '%n|%F|%a|%u|%g|%.9Y|%N' |
    sed 's/|[^|]*-> /|-> /')
  (cd "$1" && find . -type f -print0 | sort -z | xargs -0 sha1sum)
}

@test "a relayed tree arrives on every host exactly as a flat upload delivers it" {
  cd "$SRC"
  # shellcheck disable=SC2046
  run --separate-stderr "$ORGALORG" -v -x $(all_hosts) -r /srv/relayed -e --relay -U tree
  echo "$stderr"
  [ "$status" -eq 0 ]
  # shellcheck disable=SC2046
  "$ORGALORG" -x $(all_hosts) -r /srv/flat -e -U tree
  # The route: host 0 from the client, the others from a host before them.
  [[ "$stderr" == *"relay: $H0 <- client"* ]]
  [[ "$stderr" == *"relay: $H5 <- $H2"* ]]
  manifest "$SRC/tree" >"$BATS_TEST_TMPDIR/want"
  for i in 0 1 2 3 4 5; do
    "$CLUSTER" exec "$i" "$(declare -f manifest); manifest /srv/relayed/tree" >"$BATS_TEST_TMPDIR/got$i"
    "$CLUSTER" exec "$i" "$(declare -f manifest); manifest /srv/flat/tree" >"$BATS_TEST_TMPDIR/flat$i"
    diff "$BATS_TEST_TMPDIR/want" "$BATS_TEST_TMPDIR/got$i"
    diff "$BATS_TEST_TMPDIR/flat$i" "$BATS_TEST_TMPDIR/got$i"
    "$CLUSTER" exec "$i" '[ "$(stat -c %i /srv/relayed/tree/plain)" = "$(stat -c %i /srv/relayed/tree/hard)" ]'
    # Nothing left behind: no relay directory, no hop key in known_hosts.
    "$CLUSTER" exec "$i" '! ls -d /tmp/orgalorg-relay.* 2>/dev/null'
    "$CLUSTER" exec "$i" "! grep -rs orgalorg-hop ~$U/.ssh /root/.ssh /etc/ssh/ssh_known_hosts"
  done
}
