#!/usr/bin/env bats
# The project documents itself: no file points outside the repository for
# its contract (to a SPEC/DESIGN document or a ../shared folder), every
# relative link of the Markdown documents names a file of the repository,
# README links the protocol and design documents, and the example sync tool
# of doc/protocol.md works against a stand-in of orgalorg's relay
# (tests/sync-tool/relay.py). Needs no binary and no cluster.
#
#   bats tests/doc/self_contained.bats

bats_require_minimum_version 1.5.0

ROOT=$(cd "$(dirname "$BATS_TEST_FILENAME")/../.." && pwd)
RELAY=$ROOT/tests/sync-tool/relay.py

# The files of the project (tracked ones when this is a git checkout).
project_files() {
  if git -C "$ROOT" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
    git -C "$ROOT" ls-files -z | tr '\0' '\n'
  else
    (cd "$ROOT" && find . -path ./.git -prune -o -path './build*' -prune -o -type f -print | sed 's|^\./||')
  fi
}

@test "no file refers to a contract outside the repository" {
  # SPEC.md / DESIGN.md, "SPEC section 8", "SPEC 10", "DESIGN \"Transport\"",
  # ../shared; not AF_UNSPEC or a metavariable named SPEC.
  pattern='\.\./shared|shared/(SPEC|DESIGN)|SPEC\.md|DESIGN\.md|\bSPEC (section|§|[0-9])|\bDESIGN ("|section|§)'
  cd "$ROOT"
  found=$(project_files | grep -vx 'tests/doc/self_contained.bats' | tr '\n' '\0' |
    xargs -0 grep -InE "$pattern" -- || true)
  [ -z "$found" ] || { echo "$found"; false; }
}

@test "every relative link of the Markdown documents names a file that exists" {
  cd "$ROOT"
  local -a docs
  mapfile -t docs < <(project_files | grep '\.md$')
  [ "${#docs[@]}" -ge 3 ]
  bad=
  for doc in "${docs[@]}"; do
    # ](target) and ](target "title"), one per line; not URLs or anchors.
    while IFS= read -r target; do
      target=${target%% *}
      target=${target%%#*}
      case $target in '' | http://* | https://* | mailto:*) continue ;; esac
      path=$(realpath -m "$(dirname "$doc")/$target")
      if [[ $path != "$ROOT"/* || ! -e $path ]]; then bad+="$doc: $target"$'\n'; fi
    done < <(grep -oE '\]\([^)]+\)' "$doc" | sed 's/^](//; s/)$//')
  done
  [ -z "$bad" ] || { echo "$bad"; false; }
}

@test "README links the protocol and the design documents, and both exist" {
  cd "$ROOT"
  grep -F '](doc/protocol.md)' README.md >/dev/null
  grep -F '](doc/design.md)' README.md >/dev/null
  [ -s doc/protocol.md ] && [ -s doc/design.md ]
}

# The sh tool of doc/protocol.md, exactly as printed there.
extract_barrier() {
  awk '/^```sh$/ { getline; if ($0 == "#!/bin/sh") { on = 1 } }
       on && /^```$/ { exit }
       on { print }' "$ROOT/doc/protocol.md" >"$1"
  grep -F 'barrier.sh DIR' "$1" >/dev/null
}

@test "doc/protocol.md's example tool: every host passes, every host acts" {
  command -v python3 >/dev/null || skip "python3 not installed"
  tool=$BATS_TEST_TMPDIR/barrier.sh
  extract_barrier "$tool"
  args=()
  for i in 1 2 3; do
    mkdir -p "$BATS_TEST_TMPDIR/run$i" "$BATS_TEST_TMPDIR/dir$i"
    args+=("$BATS_TEST_TMPDIR/run$i" "$BATS_TEST_TMPDIR/dir$i")
  done
  run python3 "$RELAY" --timeout 20 "$tool" "${args[@]}"
  echo "$output"
  [ "$status" -eq 0 ]
  [ "$(grep -c '^relay: SYNC \[root@host[123]:22\] ok$' <<<"$output")" -eq 3 ]
  for i in 1 2 3; do
    [ -s "$BATS_TEST_TMPDIR/dir$i/.barrier-stamp" ]
    grep -Fx "host$i stdout: stamped $BATS_TEST_TMPDIR/dir$i" <<<"$output"
  done
}

@test "doc/protocol.md's example tool: one host fails its check, no host acts" {
  command -v python3 >/dev/null || skip "python3 not installed"
  tool=$BATS_TEST_TMPDIR/barrier.sh
  extract_barrier "$tool"
  mkdir -p "$BATS_TEST_TMPDIR"/run{1,2,3} "$BATS_TEST_TMPDIR"/dir{1,2}
  run python3 "$RELAY" --timeout 20 "$tool" \
    "$BATS_TEST_TMPDIR/run1" "$BATS_TEST_TMPDIR/dir1" \
    "$BATS_TEST_TMPDIR/run2" "$BATS_TEST_TMPDIR/dir2" \
    "$BATS_TEST_TMPDIR/run3" "$BATS_TEST_TMPDIR/missing"
  echo "$output"
  [ "$status" -ne 0 ]
  for i in 1 2 3; do grep -Fx "host$i exit 1" <<<"$output"; done
  grep -F 'not acting, failed on: [root@host3:22]' <<<"$output"
  [ ! -e "$BATS_TEST_TMPDIR/dir1/.barrier-stamp" ]
  [ ! -e "$BATS_TEST_TMPDIR/dir2/.barrier-stamp" ]
}

@test "doc/protocol.md's example tool: EOF before every report is a failure" {
  command -v python3 >/dev/null || skip "python3 not installed"
  tool=$BATS_TEST_TMPDIR/barrier.sh
  extract_barrier "$tool"
  mkdir -p "$BATS_TEST_TMPDIR"/run{1,2} "$BATS_TEST_TMPDIR"/dir{1,2}
  run python3 "$RELAY" --timeout 20 --eof-after 1 "$tool" \
    "$BATS_TEST_TMPDIR/run1" "$BATS_TEST_TMPDIR/dir1" \
    "$BATS_TEST_TMPDIR/run2" "$BATS_TEST_TMPDIR/dir2"
  echo "$output"
  for i in 1 2; do grep -Fx "host$i exit 1" <<<"$output"; done
  grep -F 'EOF after' <<<"$output"
  [ ! -e "$BATS_TEST_TMPDIR/dir1/.barrier-stamp" ]
}
