#!/usr/bin/env bats
# The man page (doc/orgalorg.1) and the shell completions
# (contrib/completion/) against the real option set: every option that
# `orgalorg --help` prints is documented and completed, every default it
# prints is in the man page, and groff renders the page without a warning.
#
#   ORGALORG=build/orgalorg bats tests/doc       (default: build/orgalorg)

bats_require_minimum_version 1.5.0

ROOT=$(cd "$(dirname "$BATS_TEST_FILENAME")/../.." && pwd)
BIN=${ORGALORG:-$ROOT/build/orgalorg}
MAN=$ROOT/doc/orgalorg.1
BASH_COMP=$ROOT/contrib/completion/orgalorg.bash
ZSH_COMP=$ROOT/contrib/completion/_orgalorg

setup() {
  [ -x "$BIN" ] || { echo "no binary at $BIN (set ORGALORG)" >&2; return 1; }
  HELP=$("$BIN" --help)
  # Long options as --help prints them, one per line.
  LONG=$(grep -o -- '--[a-z][a-z-]*' <<<"$HELP" | sort -u)
  # "-C --command" pairs from the option lines of --help.
  PAIRS=$(sed -n 's/^  \(-[A-Za-z]\) \(--[a-z-]*\).*/\1 \2/p' <<<"$HELP")
  # The page rendered on one very long line per paragraph, plain text.
  RENDERED=$(groff -man -Tutf8 -P-cbou -rLL=400n "$MAN" 2>/dev/null)
  # The page source with roff escapes for '-' undone.
  SOURCE=$(sed -e 's/\\-/-/g' -e 's/\\&//g' -e 's/\\%//g' "$MAN")
}

# has TEXT WORD: WORD occurs in TEXT, not as part of a longer option name.
has() {
  grep -qE -- "(^|[^a-z-])$(sed 's/[][.*^$]/\\&/g' <<<"$2")([^a-z-]|\$)" <<<"$1"
}

@test "--help lists the options we expect to check" {
  [ "$(wc -l <<<"$LONG")" -ge 40 ]
  [ "$(wc -l <<<"$PAIRS")" -ge 28 ]
}

@test "groff renders the man page without warnings" {
  for dev in utf8 ascii; do
    run --separate-stderr groff -man -ww -z -T"$dev" "$MAN"
    [ "$status" -eq 0 ]
    [ -z "$stderr" ] || { echo "$dev: $stderr"; false; }
  done
  if command -v man >/dev/null; then
    run --separate-stderr env MANWIDTH=80 man -l "$MAN"
    [ "$status" -eq 0 ]
    [ -z "$stderr" ] || { echo "man: $stderr"; false; }
    grep -q 'SYNC PROTOCOL' <<<"$output"
  fi
}

@test "every long option of --help is in the man page" {
  local missing=()
  while read -r opt; do
    has "$SOURCE" "$opt" || missing+=("$opt")
  done <<<"$LONG"
  [ ${#missing[@]} -eq 0 ] || { echo "not in doc/orgalorg.1: ${missing[*]}"; false; }
}

@test "every short/long pair of --help is an entry of the man page" {
  local missing=()
  while read -r short long; do
    grep -qF -- "$short, $long" <<<"$RENDERED" || missing+=("$short, $long")
  done <<<"$PAIRS"
  [ ${#missing[@]} -eq 0 ] || { echo "no entry in doc/orgalorg.1: ${missing[*]}"; false; }
}

@test "the man page documents no option that --help lacks" {
  local extra=()
  for opt in $(grep -o -- '--[a-z][a-z-]*' <<<"$RENDERED" | sort -u); do
    grep -qxF -- "$opt" <<<"$LONG" || extra+=("$opt")
  done
  # Options of other programs that the page quotes, and the --opt placeholder.
  local allowed=" --directory --verbose --opt "
  local bad=()
  for opt in "${extra[@]}"; do
    [[ $allowed == *" $opt "* ]] || bad+=("$opt")
  done
  [ ${#bad[@]} -eq 0 ] || { echo "unknown to --help: ${bad[*]}"; false; }
}

@test "every default of --help is in the man page" {
  local defaults missing=()
  defaults=$(grep -o '\[default: [^]]*\]' <<<"$(tr '\n' ' ' <<<"$HELP" | tr -s ' ')" |
             sed 's/^\[default: //; s/\]$//')
  [ -n "$defaults" ]
  while IFS= read -r d; do
    case $d in *ssh-agent*|*current\ user*|*the\ -r\ directory*|/var/run/*) continue ;; esac
    grep -qF -- "$d" <<<"$RENDERED" || missing+=("$d")
  done <<<"$defaults"
  [ ${#missing[@]} -eq 0 ] || { printf 'default not in man page: %s\n' "${missing[@]}"; false; }
}

@test "the man page's version is the program's" {
  version=$("$BIN" --version | awk '{print $2}')
  grep -q "^\.TH ORGALORG 1 .*\"orgalorg $version\"" "$MAN"
}

@test "bash completion offers every option of --help" {
  run bash -c '
    source "$1"
    COMP_WORDS=(orgalorg -); COMP_CWORD=1; _orgalorg
    printf "%s\n" "${COMPREPLY[@]}"' _ "$BASH_COMP"
  [ "$status" -eq 0 ]
  local missing=()
  while read -r opt; do
    grep -qxF -- "$opt" <<<"$output" || missing+=("$opt")
  done <<<"$LONG"
  while read -r short long; do
    grep -qxF -- "$short" <<<"$output" || missing+=("$short")
  done <<<"$PAIRS"
  [ ${#missing[@]} -eq 0 ] || { echo "bash completion lacks: ${missing[*]}"; false; }
  # and nothing else
  while read -r word; do
    grep -qxF -- "$word" <<<"$LONG" || grep -q -- "^  $word " <<<"$HELP" ||
      { echo "bash completion offers unknown $word"; false; }
  done <<<"$output"
}

@test "bash completion: files for -k, directories for -r, values for --color" {
  cd "$BATS_TEST_TMPDIR"
  mkdir adir && : >afile
  complete_words() {
    bash -c 'source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1))
             _orgalorg; printf "%s\n" "${COMPREPLY[@]}"' _ "$BASH_COMP" "$@"
  }
  [ "$(complete_words orgalorg -k af)" = afile ]
  [ "$(complete_words orgalorg -r a)" = adir ]
  [ "$(complete_words orgalorg --lock-file = af)" = afile ]
  [ "$(complete_words orgalorg -o ./af)" = ./afile ]
  [ "$(complete_words orgalorg --color = n)" = never ]
}

@test "zsh completion names every option of --help" {
  local missing=()
  while read -r opt; do
    grep -qE -- "[{,'(]$opt[]=[,}+ )]" "$ZSH_COMP" || missing+=("$opt")
  done <<<"$LONG"
  while read -r short long; do
    grep -qE -- "[{(' ]$short[,+ )]" "$ZSH_COMP" || missing+=("$short")
  done <<<"$PAIRS"
  [ ${#missing[@]} -eq 0 ] || { echo "zsh completion lacks: ${missing[*]}"; false; }
}

@test "zsh loads the completion" {
  command -v zsh >/dev/null || skip "zsh not installed"
  zsh -n "$ZSH_COMP"
  run zsh -f -c 'fpath=("$1" $fpath); autoload -U compinit; compinit -u -d "$2/zcompdump"
                 print -r -- $_comps[orgalorg]' _ "$(dirname "$ZSH_COMP")" "$BATS_TEST_TMPDIR"
  [ "$status" -eq 0 ]
  [ "$output" = _orgalorg ]
}
