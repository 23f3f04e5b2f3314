#!/usr/bin/env bats
# Sync mode (-S): lock, upload into the run directory, run the sync tool on
# every host with the sync protocol; the default tool shipped in the upload;
# five hosts, a tool that waits for every host between its phases.

bats_require_minimum_version 1.5.0
load helpers
uses_cluster 5

setup() {
  orgalorg_env
  name_hosts 5
  HOSTS=("$H0" "$H1" "$H2" "$H3" "$H4")
  ALL=()
  for h in "${HOSTS[@]}"; do ALL+=(-o "$h"); done
  SRC=$BATS_TEST_TMPDIR/src
  mkdir -p "$SRC/etc/e2e-app/conf.d" "$SRC/etc/e2e-app/empty" "$SRC/opt/e2e-bin"
  echo "version 2" >"$SRC/etc/e2e-app/app.conf"
  echo "extra" >"$SRC/etc/e2e-app/conf.d/extra conf"
  echo "quoted" >"$SRC/etc/e2e-app/conf.d/it's \"q\""
  echo "newline" >"$SRC/etc/e2e-app/conf.d/two"$'\n'"lines"
  echo "latin1" >"$SRC/etc/e2e-app/conf.d/caf"$'\xe9'
  printf '#!/bin/sh\necho tool\n' >"$SRC/opt/e2e-bin/tool"
  ln -s app.conf "$SRC/etc/e2e-app/current"
  ln -s conf.d "$SRC/etc/e2e-app/confdir"
  chmod 0640 "$SRC/etc/e2e-app/app.conf"
  chmod 0750 "$SRC/etc/e2e-app/conf.d"
  chmod 0700 "$SRC/etc/e2e-app/empty"
  chmod 0600 "$SRC/etc/e2e-app/conf.d/it's \"q\""
  chmod 0755 "$SRC/opt/e2e-bin/tool"
  chown 1234:2345 "$SRC/etc/e2e-app/conf.d" "$SRC/etc/e2e-app/conf.d/caf"$'\xe9'
  chown "$U:$U" "$SRC/etc/e2e-app/conf.d/extra conf" "$SRC/opt/e2e-bin"
  touch -h -d '2001-02-03 04:05:06.789' "$SRC/etc/e2e-app/current" "$SRC/opt/e2e-bin/tool"
  for i in 0 1 2 3 4; do
    "$CLUSTER" exec "$i" 'rm -rf /etc/e2e-app /opt/e2e-bin && mkdir -p /etc/e2e-app && echo "version 1" >/etc/e2e-app/app.conf'
  done
}

# One line per entry under etc/e2e-app and opt/e2e-bin of the current
# directory: name (a newline in it shown as ?), type, mode, owner,
# mtime, symlink target; then a digest of all contents.
LISTING='find etc/e2e-app opt/e2e-bin -mindepth 1 -printf "%p|%y|%m|%U:%G|%T@|%l\0" | LC_ALL=C sort -z | tr "\n\0" "?\n"; find etc/e2e-app opt/e2e-bin -type f -print0 | LC_ALL=C sort -z | xargs -0 cat | sha256sum'

@test "the protocol: every tool sees HELLO, all NODEs with CURRENT on its own, START, and every SYNC in one order" {
  tool='read -r p verb; echo "first $verb"; n=0; while read -r l; do
    case "$l" in
      *" NODE "*CURRENT) echo "me ${l#* NODE }";;
      *" NODE "*) n=$((n+1));;
      *START) echo "$p SYNC hello from $(hostname)"; echo "others $n";;
      *" SYNC "*) s=$((s+1)); echo "sync ${l#* SYNC }"; [ "$s" -eq 3 ] && break;;
    esac; done'
  tool=${tool/-eq 3/-eq 5}
  run --separate-stderr "$ORGALORG" -y -x "${ALL[@]}" -S --no-upload -n "$tool"
  [ "$status" -eq 0 ]
  for h in "${HOSTS[@]}"; do
    [[ "$output" == *"$h first HELLO"* ]]
    [[ "$output" == *"$h me [$h:22] CURRENT"* ]]
    [[ "$output" == *"$h others 4"* ]]
  done
  # Every host saw the five SYNCs in the same order, each naming its sender.
  order0=$(grep "^$H0 sync" <<<"$output" | cut -d' ' -f3-)
  [ "$(wc -l <<<"$order0")" -eq 5 ]
  for h in "${HOSTS[@]}"; do
    [ "$(grep "^$h sync" <<<"$output" | cut -d' ' -f3-)" = "$order0" ]
  done
  for i in 0 1 2 3 4; do
    [[ "$order0" == *"[${HOSTS[$i]}:22] hello from orgc$i"* ]]
  done
}

@test "the default sync tool, shipped in the upload, puts a tree in place under / on 5 hosts" {
  for i in 0 1 2 3 4; do
    "$CLUSTER" exec "$i" 'rm -rf /var/run/orgalorg; test ! -e /usr/lib/orgalorg/sync'
  done
  cd "$SRC"
  want=$(sh -c "$LISTING")
  run --separate-stderr "$ORGALORG" -x "${ALL[@]}" -e -S etc opt
  echo "$stderr"
  [ "$status" -eq 0 ]
  for i in 0 1 2 3 4; do
    # Names, types, modes, owners, sizes, mtimes, symlink targets, contents.
    got=$("$CLUSTER" exec "$i" "cd / && $LISTING")
    diff <(echo "$want") <(echo "$got")
    [ "$("$CLUSTER" exec "$i" 'readlink /etc/e2e-app/current; cat /etc/e2e-app/confdir/extra\ conf')" = "app.conf
extra" ]
    # The run directory is gone.
    [ -z "$("$CLUSTER" exec "$i" 'ls -A /var/run/orgalorg 2>/dev/null')" ]
  done
}

@test "a host that can't stage makes every host keep its previous files" {
  # On host 3 a file stands where the tool needs a directory.
  "$CLUSTER" exec 3 'rm -rf /etc/e2e-app && echo "not a dir" >/etc/e2e-app'
  cd "$SRC"
  run --separate-stderr "$ORGALORG" -x "${ALL[@]}" -e -S etc opt
  echo "$stderr"
  [ "$status" -eq 1 ]
  [[ "$stderr" == *"${HOSTS[3]}"* ]]
  for i in 0 1 2 4; do
    [ "$("$CLUSTER" exec "$i" 'cat /etc/e2e-app/app.conf; ls -A /etc/e2e-app; ls /opt/e2e-bin 2>&1 >/dev/null | wc -l')" = "version 1
app.conf
1" ]
  done
  [ "$("$CLUSTER" exec 3 'cat /etc/e2e-app')" = "not a dir" ]
}

@test "a tool that waits for every host's SYNC before its next phase" {
  # Hosts send at staggered times (host i after i*0.15 s); each moves to
  # phase 2 only after it has seen all five phase-1 messages.
  tool='while read -r p verb rest; do [ "$verb" = START ] && break
    [ "$verb" = NODE ] && n=$((${n:-0}+1)); done
    i=$(hostname | tr -dc 0-9); sleep "0.$((i*15))"
    echo "send one"; echo "$p SYNC one"
    seen=0; while [ "$seen" -lt "$n" ] && read -r q v from d; do
      [ "$v $d" = "SYNC one" ] && seen=$((seen+1)); done
    echo "phase2 after $seen of $n"; echo "$p SYNC two"
    seen=0; while [ "$seen" -lt "$n" ] && read -r q v from d; do
      [ "$v $d" = "SYNC two" ] && seen=$((seen+1)); done
    echo "done after $seen of $n"'
  run --separate-stderr "$ORGALORG" -y -x "${ALL[@]}" -S --no-upload -n "$tool"
  echo "$output"; echo "$stderr"
  [ "$status" -eq 0 ]
  for h in "${HOSTS[@]}"; do
    [[ "$output" == *"$h phase2 after 5 of 5"* ]]
    [[ "$output" == *"$h done after 5 of 5"* ]]
  done
  # orgalorg prints lines in the order it reads them: all five "send one"
  # come before any host's "phase2".
  last_send=$(grep -n ' send one$' <<<"$output" | tail -1 | cut -d: -f1)
  first_phase2=$(grep -n ' phase2 after' <<<"$output" | head -1 | cut -d: -f1)
  [ "$(grep -c ' send one$' <<<"$output")" -eq 5 ]
  [ "$last_send" -lt "$first_phase2" ]
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
