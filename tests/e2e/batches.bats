#!/usr/bin/env bats
# Rolling batches (-C --batch, --max-fail, --batch-wait): batches one after
# another in the sizes asked, checked against the start and end times each
# host's own clock gives; the rollout stopping on failures; hosts never
# started in --failed-hosts and --json; Ctrl-C between batches; the lock
# held on every host between batches.

bats_require_minimum_version 1.5.0
load helpers
uses_cluster 6

setup() {
  orgalorg_env
  name_hosts 6
  ALL=(-o "$H0" -o "$H1" -o "$H2" -o "$H3" -o "$H4" -o "$H5")
}

teardown() {
  if [ -n "${RUN_PID:-}" ]; then kill -INT "$RUN_PID" 2>/dev/null || true; wait "$RUN_PID" || true; fi
}

# The remote command: its start and end time (ns, the host's clock) on
# stdout, a short sleep between; exits 3 on the host named $1, if any.
timed() {
  echo "echo B \$(date +%s%N); sleep 0.3; echo E \$(date +%s%N); [ \$(hostname) != '${1:-none}' ] || exit 3"
}

# time_of I B|E: host I's start or end time in $output (empty if it never ran).
time_of() {
  local host=H$1
  awk -v h="${!host}" -v k="$2" '$1 == h && $2 == k { print $3 }' <<<"$output"
}

# Checks that the batches given as "0|1 2|3 4 5" (host indices) ran in that
# order, each starting only after every host of the previous one ended.
ran_in_batches() {
  local -a batches
  IFS='|' read -r -a batches <<<"$1"
  local prev_end=0 i b t end
  for b in "${batches[@]}"; do
    end=0
    for i in $b; do
      t=$(time_of "$i" B)
      [ -n "$t" ] || { echo "host $i never started" >&2; return 1; }
      ((t > prev_end)) || { echo "host $i started before the previous batch ended" >&2; return 1; }
      t=$(time_of "$i" E)
      ((t > end)) && end=$t
    done
    prev_end=$end
  done
}

# True when `flock -nx /` can be taken on host I right now.
unlocked_on() { "$CLUSTER" exec "$1" "flock -nx / true"; }

@test "--batch 1,2,50%: one host, then two, then three, strictly one batch after another" {
  run --separate-stderr "$ORGALORG" "${ALL[@]}" --batch 1,2,50% -C -- "$(timed)"
  [ "$status" -eq 0 ]
  ran_in_batches "0|1 2|3 4 5"
  [[ "$stderr" == *"batch 1/3: 1 host"$'\n'*"batch 2/3: 2 hosts"$'\n'*"batch 3/3: 3 hosts"* ]]
}

@test "percentages are of all hosts, rounded up, the last one repeating" {
  # 50% of 6 = 3, then 20% of 6 = 1.2 -> 2, then the 1 host left.
  run --separate-stderr "$ORGALORG" "${ALL[@]}" --batch 50%,20% -C -- "$(timed)"
  [ "$status" -eq 0 ]
  ran_in_batches "0 1 2|3 4|5"
  [[ "$stderr" == *"batch 3/3: 1 host"* ]]
}

@test "a host failing in batch 2 stops the rollout before batch 3; --failed-hosts and -o finish it" {
  FAILED=$BATS_TEST_TMPDIR/failed
  run --separate-stderr "$ORGALORG" "${ALL[@]}" --batch 1,2,50% --failed-hosts "$FAILED" -C -- "$(timed orgc2)"
  [ "$status" -eq 1 ]
  ran_in_batches "0|1 2"
  [ -z "$(time_of 3 B)$(time_of 4 B)$(time_of 5 B)" ]
  [[ "$stderr" == *"rollout stopped after batch 2/3: 1 host of 3 hosts started failed, more than --max-fail 0; 3 hosts not started"* ]]
  [[ "$stderr" == *"$H3"*"not started"* ]]
  [ "$(cat "$FAILED")" = "$(printf '%s  # exit code 3\n' "$H2"; printf '%s  # not started\n' "$H3" "$H4" "$H5")" ]
  # The second run takes the list back and finishes the rollout.
  run --separate-stderr "$ORGALORG" -o "$FAILED" --batch 1,2,50% -C -- "$(timed)"
  [ "$status" -eq 0 ]
  ran_in_batches "2|3 4|5"
  [ -z "$(time_of 0 B)$(time_of 1 B)" ]
}

@test "hosts never started have a --json exit record with the error \"not started\"" {
  run --separate-stderr "$ORGALORG" "${ALL[@]}" --json --batch 2 -C -- '[ $(hostname) != orgc0 ] || exit 3'
  [ "$status" -eq 1 ]
  exits=$(jq -c 'select(.stream == "exit") | [.host, .exit_code, .error]' <<<"$output" | sort)
  echo "$exits" >&2
  [ "$exits" = "$(printf '["%s",%s,%s]\n' "$H0" 3 null "$H1" 0 null \
    "$H2" null '"not started"' "$H3" null '"not started"' "$H4" null '"not started"' "$H5" null '"not started"' | sort)" ]
}

@test "--max-fail 1 lets the rollout go on past one failed host" {
  run --separate-stderr "$ORGALORG" "${ALL[@]}" --batch 1,2,50% --max-fail 1 -C -- "$(timed orgc2)"
  [ "$status" -eq 1 ]
  ran_in_batches "0|1 2|3 4 5"
  [[ "$stderr" != *"rollout stopped"* ]]
  [[ "$stderr" == *"$H2: exit code 3"* ]]
}

@test "between batches the lock is held on every host; Ctrl-C during --batch-wait stops cleanly" {
  "$ORGALORG" "${ALL[@]}" --batch 2 --batch-wait 60s -C -- "$(timed)" \
    >"$BATS_TEST_TMPDIR/out" 2>"$BATS_TEST_TMPDIR/err" &
  RUN_PID=$!
  await 20 eval '[ "$(grep -c " E " "$BATS_TEST_TMPDIR/out")" -eq 2 ]'
  # In the wait: every host, run or not yet, is locked; another run is refused.
  for i in 0 1 2 3 4 5; do ! unlocked_on "$i"; done
  run --separate-stderr "$ORGALORG" -o "$H0" -o "$H4" -C -- echo slipped-in
  [ "$status" -eq 1 ]
  [[ "$stderr" == *"$H4: can't acquire lock, lock already obtained by another process or unavailable"* ]]
  [[ "$output" != *slipped-in* ]]
  kill -INT "$RUN_PID"
  wait "$RUN_PID" && status=0 || status=$?
  RUN_PID=
  [ "$status" -eq 130 ]
  output=$(cat "$BATS_TEST_TMPDIR/out")
  [ -n "$(time_of 0 E)" ] && [ -n "$(time_of 1 E)" ]
  [ -z "$(time_of 2 B)$(time_of 3 B)$(time_of 4 B)$(time_of 5 B)" ]
  grep -q 'batch 1/3: 2 hosts' "$BATS_TEST_TMPDIR/err"
  ! grep -q 'batch 2/3' "$BATS_TEST_TMPDIR/err"
  for i in 0 1 2 3 4 5; do unlocked_on "$i"; done
}

# A sync tool that speaks the protocol: prints the NODE list it was given,
# then its start and end times like timed(); exits 3 on the host named $1.
sync_tool() {
  echo "nodes=; while read -r p v id rest; do case \$v in NODE) nodes=\"\$nodes \$id\";; START) break;; esac; done; echo \"nodes\$nodes\"; $(timed "${1:-none}")"
}

# The NODE list host I printed ("[id] [id]...").
nodes_of() {
  local host=H$1
  awk -v h="${!host}" '$1 == h && $2 == "nodes" { $1 = ""; $2 = ""; sub(/^ +/, ""); print }' <<<"$output"
}

@test "-S runs the sync tool batch by batch, each batch's NODE list naming its own hosts only" {
  run --separate-stderr "$ORGALORG" -x "${ALL[@]}" --batch 2,50% -S --no-upload -n "$(sync_tool)"
  [ "$status" -eq 0 ]
  ran_in_batches "0 1|2 3 4|5"
  for i in 0 1; do [ "$(nodes_of "$i")" = "[$H0:22] [$H1:22]" ]; done
  for i in 2 3 4; do [ "$(nodes_of "$i")" = "[$H2:22] [$H3:22] [$H4:22]" ]; done
  [ "$(nodes_of 5)" = "[$H5:22]" ]
}

@test "-S: the upload goes everywhere first; hosts whose tool never ran lose the run directory" {
  for i in 0 1 2 3 4 5; do "$CLUSTER" exec "$i" 'rm -rf /var/run/orgalorg'; done
  mkdir -p "$BATS_TEST_TMPDIR/src/etc/e2e-batch" && echo v1 >"$BATS_TEST_TMPDIR/src/etc/e2e-batch/conf"
  cd "$BATS_TEST_TMPDIR/src"
  run --separate-stderr "$ORGALORG" -x "${ALL[@]}" --batch 1 -e -S -n "cat etc/e2e-batch/conf; $(sync_tool orgc0)" etc
  [ "$status" -eq 1 ]
  [[ "$output" == *"$H0 v1"* ]]  # the tool ran in its run directory, with the upload
  [[ "$stderr" == *"rollout stopped after batch 1/6: 1 host of 1 host started failed"* ]]
  [ -z "$(time_of 1 B)$(time_of 5 B)" ]
  [ -n "$("$CLUSTER" exec 0 'ls -A /var/run/orgalorg')" ]  # a tool that ran cleans up itself
  for i in 1 2 3 4 5; do [ -z "$("$CLUSTER" exec "$i" 'ls -A /var/run/orgalorg 2>/dev/null')" ]; done
}

@test "-S: Ctrl-C during --batch-wait removes the run directory of the hosts whose tool never ran" {
  for i in 0 1 2 3 4 5; do "$CLUSTER" exec "$i" 'rm -rf /var/run/orgalorg'; done
  mkdir -p "$BATS_TEST_TMPDIR/src/etc/e2e-batch" && echo v1 >"$BATS_TEST_TMPDIR/src/etc/e2e-batch/conf"
  cd "$BATS_TEST_TMPDIR/src"
  "$ORGALORG" -x "${ALL[@]}" --batch 2 --batch-wait 60s -e -n "$(sync_tool)" -S etc \
    >"$BATS_TEST_TMPDIR/out" 2>"$BATS_TEST_TMPDIR/err" &
  RUN_PID=$!
  await 30 eval '[ "$(grep -c " E " "$BATS_TEST_TMPDIR/out")" -eq 2 ]'
  # Every host has its upload; the last four wait for their batch.
  for i in 2 3 4 5; do [ -n "$("$CLUSTER" exec "$i" 'ls -A /var/run/orgalorg')" ]; done
  kill -INT "$RUN_PID"
  wait "$RUN_PID" && status=0 || status=$?
  RUN_PID=
  [ "$status" -eq 130 ]
  for i in 2 3 4 5; do [ -z "$("$CLUSTER" exec "$i" 'ls -A /var/run/orgalorg 2>/dev/null')" ]; done
  for i in 0 1 2 3 4 5; do unlocked_on "$i"; done
}

@test "-S with the default sync tool, batch by batch: the files land on every host" {
  for i in 0 1 2 3 4 5; do "$CLUSTER" exec "$i" 'rm -rf /var/run/orgalorg /etc/e2e-batch'; done
  mkdir -p "$BATS_TEST_TMPDIR/src/etc/e2e-batch" && echo v2 >"$BATS_TEST_TMPDIR/src/etc/e2e-batch/conf"
  cd "$BATS_TEST_TMPDIR/src"
  run --separate-stderr "$ORGALORG" -x "${ALL[@]}" --batch 1,50% -e -S etc
  echo "$stderr"
  [ "$status" -eq 0 ]
  [[ "$stderr" == *"batch 1/3: 1 host"*"batch 2/3: 3 hosts"*"batch 3/3: 2 hosts"* ]]
  for i in 0 1 2 3 4 5; do
    [ "$("$CLUSTER" exec "$i" 'cat /etc/e2e-batch/conf')" = v2 ]
    [ -z "$("$CLUSTER" exec "$i" 'ls -A /var/run/orgalorg 2>/dev/null')" ]
  done
}
