#!/usr/bin/env bats
# Sync mode (-S): lock, upload into the run directory, run the sync tool on
# every host with the sync protocol; the default tool shipped in the upload.

bats_require_minimum_version 1.5.0
load helpers

setup_file() {
  cluster_ensure 3
}

teardown_file() {
  cluster_release
}

setup() {
  orgalorg_env
  U=$CLUSTER_USER
  H0=$U@$(host_ip 0); H1=$U@$(host_ip 1); H2=$U@$(host_ip 2)
  SRC=$BATS_TEST_TMPDIR/src
  mkdir -p "$SRC/etc/e2e-app/conf.d"
  echo "version 2" >"$SRC/etc/e2e-app/app.conf"
  echo "extra" >"$SRC/etc/e2e-app/conf.d/extra conf"
  chmod 0640 "$SRC/etc/e2e-app/app.conf"
  for i in 0 1 2; do
    "$CLUSTER" exec "$i" 'rm -rf /etc/e2e-app && mkdir -p /etc/e2e-app && echo "version 1" >/etc/e2e-app/app.conf'
  done
}

@test "the protocol: every tool sees HELLO, all NODEs with CURRENT on its own, START, and every SYNC in one order" {
  tool='read -r p verb; echo "first $verb"; n=0; while read -r l; do
    case "$l" in
      *" NODE "*CURRENT) echo "me ${l#* NODE }";;
      *" NODE "*) n=$((n+1));;
      *START) echo "$p SYNC hello from $(hostname)"; echo "others $n";;
      *" SYNC "*) s=$((s+1)); echo "sync ${l#* SYNC }"; [ "$s" -eq 3 ] && break;;
    esac; done'
  run --separate-stderr "$ORGALORG" -y -x -o "$H0" -o "$H1" -o "$H2" -S --no-upload -n "$tool"
  [ "$status" -eq 0 ]
  for h in "$H0" "$H1" "$H2"; do
    [[ "$output" == *"$h first HELLO"* ]]
    [[ "$output" == *"$h me [$h:22] CURRENT"* ]]
    [[ "$output" == *"$h others 2"* ]]
  done
  # Every host saw the three SYNCs in the same order, each naming its sender.
  order0=$(grep "^$H0 sync" <<<"$output" | cut -d' ' -f3-)
  order1=$(grep "^$H1 sync" <<<"$output" | cut -d' ' -f3-)
  order2=$(grep "^$H2 sync" <<<"$output" | cut -d' ' -f3-)
  [ "$(wc -l <<<"$order0")" -eq 3 ]
  [ "$order0" = "$order1" ]
  [ "$order0" = "$order2" ]
  [[ "$order0" == *"[$H1:22] hello from orgc1"* ]]
}

@test "the default sync tool, shipped in the upload, puts the files in place on every host" {
  for i in 0 1 2; do "$CLUSTER" exec "$i" 'rm -rf /var/run/orgalorg'; done
  cd "$SRC"
  run --separate-stderr "$ORGALORG" -x -o "$H0" -o "$H1" -o "$H2" -e -S etc
  echo "$stderr"
  [ "$status" -eq 0 ]
  for i in 0 1 2; do
    [ "$("$CLUSTER" exec "$i" 'cat /etc/e2e-app/app.conf')" = "version 2" ]
    [ "$("$CLUSTER" exec "$i" "cat '/etc/e2e-app/conf.d/extra conf'")" = "extra" ]
    [ "$("$CLUSTER" exec "$i" 'stat -c %a /etc/e2e-app/app.conf')" = "640" ]
    # The run directory is gone.
    [ -z "$("$CLUSTER" exec "$i" 'ls -A /var/run/orgalorg 2>/dev/null')" ]
  done
}

@test "a host that can't stage makes every host keep its previous files" {
  # On host 1 a file stands where the tool needs a directory.
  "$CLUSTER" exec 1 'rm -rf /etc/e2e-app && echo "not a dir" >/etc/e2e-app'
  cd "$SRC"
  run --separate-stderr "$ORGALORG" -x -o "$H0" -o "$H1" -o "$H2" -e -S etc
  [ "$status" -eq 1 ]
  [[ "$stderr" == *"$H1"* ]]
  [ "$("$CLUSTER" exec 0 'cat /etc/e2e-app/app.conf')" = "version 1" ]
  [ "$("$CLUSTER" exec 2 'cat /etc/e2e-app/app.conf')" = "version 1" ]
  [ "$("$CLUSTER" exec 1 'cat /etc/e2e-app')" = "not a dir" ]
}

@test "-m runs a plain command as the tool, with -i as its stdin and -g as its arguments" {
  printf 'fed\n' >"$BATS_TEST_TMPDIR/in"
  run --separate-stderr "$ORGALORG" -y -x -o "$H0" -S -m --no-upload -i "$BATS_TEST_TMPDIR/in" \
    -n 'echo "args: $1 $2"; cat; pwd' -g 'a b' -g '$(id)'
  [ "$status" -eq 0 ]
  [[ "$output" == *"$H0 args: a b \$(id)"* ]]
  [[ "$output" == *"$H0 fed"* ]]
  [[ "$output" == *"$H0 /var/run/orgalorg/"* ]]
}
