#!/usr/bin/env bats
# Everyday output on the real cluster: -q keeps every host's lines whole
# (piped into sort | uniq -c), long lines are printed whole with one prefix
# in every mode and in bounded memory, --color puts escapes only where
# asked, --json ends each host with an exit record, and the status line
# on a terminal is not left stale while a slow host runs.

bats_require_minimum_version 1.5.0
load helpers

setup_file() {
  cluster_ensure 5
  orgalorg_env
  # Peak RSS of a plain run, the base of the memory bounds.
  /usr/bin/time -o "$BATS_FILE_TMPDIR/base-rss" -f %M "$ORGALORG" -y -o "$CLUSTER_USER@$(host_ip 0)" -C true
  BASE_RSS_KB=$(tail -n 1 "$BATS_FILE_TMPDIR/base-rss")
  export BASE_RSS_KB
}

teardown_file() {
  cluster_release
}

setup() {
  orgalorg_env
  U=$CLUSTER_USER
  HOSTS=()
  for i in 0 1 2 3 4; do HOSTS+=(-o "$U@$(host_ip "$i")"); done
  cd "$BATS_TEST_TMPDIR"
}

# Lines of $1 that are not "<one of the 5 hosts> <x repeated $2 times>".
bad_prefixed_lines() {  # FILE LENGTH
  local i re=
  for i in 0 1 2 3 4; do re+="${re:+|}$U@$(host_ip "$i")"; done
  re=${re//./\\.}
  awk -v n="$2" -v re="^($re) " '{ line = $0; if (!sub(re, "", line) || length(line) != n || line ~ /[^x]/) print NR }' "$1"
}

@test "-q: 5 hosts of seq 1 100000 piped into sort | uniq -c give every number 5 times, no broken line" {
  "$ORGALORG" -y -q "${HOSTS[@]}" -C -- 'seq 1 100000' >out 2>err
  [ -z "$(cat err)" ]
  [ "$(wc -l <out)" -eq 500000 ]
  sort out | uniq -c >counts
  [ "$(wc -l <counts)" -eq 100000 ]
  # Each count is 5 and each line a number from 1 to 100000.
  [ -z "$(awk '$1 != 5 || $2 !~ /^[0-9]+$/ || $2 < 1 || $2 > 100000' counts | head -5)" ]
}

@test "-q: 1,000 lines of 10 kB per host arrive whole, none corrupted" {
  "$ORGALORG" -y -q "${HOSTS[@]}" -C -- \
    'awk -v h="$(hostname)" "BEGIN { s = \"x\"; while (length(s) < 10000) s = s s; s = substr(s, 1, 10000); for (i = 1; i <= 1000; i++) print h \":\" i \":\" s }"' >out
  [ "$(wc -l <out)" -eq 5000 ]
  [ -z "$(awk -F: 'NF != 3 || $1 !~ /^orgc[0-9]+$/ || length($3) != 10000 || $3 ~ /[^x]/' out | cut -c1-80 | head -3)" ]
  [ "$(cut -d: -f1,2 out | sort -u | wc -l)" -eq 5000 ]
  # A last line without newline is written as it is when its host ends
  # (so the next host's line follows it on the same line).
  run --separate-stderr "$ORGALORG" -y -q "${HOSTS[@]}" -C -- 'printf "%s\n" a b; printf end'
  [ "$(sed 's/end//g' <<<"$output" | grep -c '^[ab]$')" -eq 10 ]
  [ "$(grep -o end <<<"$output" | wc -l)" -eq 5 ]
  [ "$(tr -d '\n' <<<"$output" | wc -c)" -eq 25 ]
}

@test "a 100,000-byte line is one prefixed line per host, also with -l, -v and --json" {
  cmd='printf "%100000s\n" "" | tr " " x'
  "$ORGALORG" -y "${HOSTS[@]}" -C -- "$cmd" >out 2>err
  [ -z "$(cat err)" ]
  [ "$(wc -l <out)" -eq 5 ]
  [ -z "$(bad_prefixed_lines out 100000)" ]
  "$ORGALORG" -y -l "${HOSTS[@]}" -C -- "$cmd" >out
  [ "$(wc -l <out)" -eq 5 ]
  [ -z "$(bad_prefixed_lines out 100000)" ]
  "$ORGALORG" -y -v "${HOSTS[@]}" -C -- "$cmd" 2>err
  [ "$(awk -v u="$U" '$1 == "<stdout>" && index($2, "[" u "@") == 1 && $2 ~ /:22]$/ && length($3) == 100000 && $3 !~ /[^x]/' err | wc -l)" -eq 5 ]
  "$ORGALORG" -y --json "${HOSTS[@]}" -C -- "$cmd" >out
  [ "$(jq -r 'select(.stream == "stdout") | .body | length' out | sort -u)" = 100000 ]
  [ "$(jq -r 'select(.stream == "stdout") | .host' out | sort -u | wc -l)" -eq 5 ]
}

@test "a 20 MB line is one prefixed line per host, in memory bounded by the unfinished lines" {
  /usr/bin/time -o rss -f %M "$ORGALORG" -y "${HOSTS[@]}" -C -- \
    'head -c 20000000 /dev/zero | tr "\0" x; echo' >out 2>err
  [ -z "$(cat err)" ]
  [ "$(wc -l <out)" -eq 5 ]
  [ -z "$(bad_prefixed_lines out 20000000)" ]
  rss_kb=$(tail -n 1 rss)
  echo "# 5 hosts: peak RSS $rss_kb KB (base $BASE_RSS_KB KB)" >&3
  # At most each host's unfinished line (5 x 20 MB) and its growth slack;
  # under ASan its quarantine keeps the outgrown buffers: the sanitizer bound.
  bound_kb=$((BASE_RSS_KB + 5 * 2 * 20000))
  [[ ${ORGALORG_SANITIZED:-} == 1 ]] && bound_kb=$RSS_BOUND_KB
  [ "$rss_kb" -lt "$bound_kb" ]
  # One host: written as it comes, nothing held: inside the usual bound.
  /usr/bin/time -o rss -f %M "$ORGALORG" -y -o "$U@$(host_ip 0)" -C -- \
    'head -c 20000000 /dev/zero | tr "\0" x; echo' >out
  [ "$(wc -l <out)" -eq 1 ]
  [ -z "$(bad_prefixed_lines out 20000000)" ]
  rss_kb=$(tail -n 1 rss)
  echo "# one host: peak RSS $rss_kb KB" >&3
  [ "$rss_kb" -lt "$RSS_BOUND_KB" ]
}

@test "--color always colours host prefixes and errors even into a file; never, default, -q, --json and NO_COLOR do not" {
  esc=$'\033'
  "$ORGALORG" -y --color always "${HOSTS[@]}" -C -- 'echo hi; exit 3' >out 2>err || true
  [ "$(grep -c "^$esc\[[0-9;]*m$U@[0-9.]*$esc\[0m hi$" out)" -eq 5 ]
  grep -F "$esc[1;91merror:$esc[0m" err
  # The same host gets the same colour in every run.
  "$ORGALORG" -y --color always "${HOSTS[@]}" -C -- 'echo hi' >again
  [ "$(sort out)" = "$(sort again)" ]
  # The light theme has other colours.
  "$ORGALORG" -y --color always --colors-light "${HOSTS[@]}" -C -- 'echo hi' >light
  [ "$(sort light)" != "$(sort again)" ]
  for args in "--color never" "" "--color always -q" "--color always --json" "--color always --json -v"; do
    # shellcheck disable=SC2086
    "$ORGALORG" -y $args "${HOSTS[@]}" -C -- 'echo hi; echo oops >&2; exit 3' >out 2>err || true
    [ -s out ]
    [ -z "$(grep -l "$esc" out err)" ]
  done
  NO_COLOR=1 script -qec "$ORGALORG -y ${HOSTS[*]} -C -- 'echo hi'" /dev/null >tty
  grep -q hi tty
  [ -z "$(grep "$esc\[[0-9;]*m$U@" tty)" ]
  # On a terminal, auto colours.
  script -qec "$ORGALORG -y ${HOSTS[*]} -C -- 'echo hi'" /dev/null >tty
  [ "$(grep -c "$esc\[[0-9;]*m$U@[0-9.]*$esc\[0m hi" tty)" -eq 5 ]
}

@test "--json ends every host with one exit record: exit code or error" {
  run --separate-stderr "$ORGALORG" -y --json "${HOSTS[@]}" -C -- \
    'echo out; if [ "$(hostname)" = orgc1 ]; then exit 3; fi'
  [ "$status" -eq 1 ]
  jq -c 'select(.stream == "exit")' <<<"$output" >ends
  [ "$(wc -l <ends)" -eq 5 ]
  [ "$(jq -r 'select(.exit_code == 3) | .host' ends)" = "$U@$(host_ip 1)" ]
  [ "$(jq -r 'select(.exit_code == 0) | .host' ends | wc -l)" -eq 4 ]
  [ "$(jq -r '.error' ends | sort -u)" = null ]
  [ "$(jq -r --arg h "$U@$(host_ip 1)" 'select(.host == $h) | .node' ends)" = "[$U@$(host_ip 1):22]" ]
  # Each host's record comes after its output.
  for i in 0 1 2 3 4; do
    h=$U@$(host_ip "$i")
    [ "$(jq -r --arg h "$h" 'select(.host == $h) | .stream' <<<"$output" | tr '\n' ' ')" = "stdout exit " ]
  done
  # A command stopped by --timeout: no exit code, the cause.
  run --separate-stderr "$ORGALORG" -y --json --timeout 500 -o "$U@$(host_ip 0)" -C -- 'sleep 30'
  [ "$status" -eq 1 ]
  [ "$(jq -c 'select(.stream == "exit") | [.exit_code, .error]' <<<"$output")" = '[null,"timed out after 500 ms"]' ]
}

@test "the status line on a terminal is redrawn while a slow host runs (not stuck at the first update)" {
  # Four hosts end at once, orgc0 two seconds later: before, the updates
  # after the first within 100 ms were dropped, and `exec: 1/5` stayed.
  script -qfec "$ORGALORG -y ${HOSTS[*]} -C -- 'if [ \$(hostname) = orgc0 ]; then sleep 2; fi'" /dev/null >tty
  grep -a -q "exec: 4/5 done, 0 failed" tty
}
