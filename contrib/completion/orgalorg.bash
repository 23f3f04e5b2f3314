# bash completion for orgalorg(1).
# Installed as share/bash-completion/completions/orgalorg. Keep the option
# lists in step with src/cli/options.cc (tests/doc/check-doc checks the long
# options against `orgalorg --help`).

# Options come before the operands: succeeds when a word before the cursor
# is an operand (the first command word or file) or "--", after which every
# word is one.
_orgalorg_operands_started() {
  local i=1 word letters j
  while ((i < COMP_CWORD)); do
    word=${COMP_WORDS[i]}
    case $word in
      --) return 0 ;;
      --*=*) ;;
      --host|--key|--user|--host-key-check|--lock-file|--failed-hosts|--root|--stdin|\
      --timeout|--batch|--max-fail|--batch-wait|--shell|--sync-cmd|--arg|--threads|--color|--bar-format|--log-format|\
      --conn-timeout|--send-timeout|--recv-timeout|--keep-alive)
        ((i++))  # The value, or "=" before it when bash split --opt=value.
        [[ ${COMP_WORDS[i]} == = ]] && ((i++))
        ;;
      --*) ;;
      -?*)
        # Bundled short flags: the first one that takes a value takes the
        # rest of the word, or the next word when it is last.
        letters=${word#-}
        for ((j = 0; j < ${#letters}; j++)); do
          if [[ okurindgcjza == *"${letters:j:1}"* ]]; then
            ((j == ${#letters} - 1)) && ((i++))
            break
          fi
        done
        ;;
      *) return 0 ;;
    esac
    ((i++))
  done
  return 1
}

_orgalorg() {
  local cur prev
  COMPREPLY=()
  cur=${COMP_WORDS[COMP_CWORD]}
  prev=${COMP_WORDS[COMP_CWORD-1]}

  local long_opts="--command --sync --upload --lock --host --read-stdin --jump --key
    --password --user --host-key-check --no-lock --no-lock-fail --lock-file --no-conn-fail
    --failed-hosts --timeout --fold --batch --max-fail --batch-wait
    --root --relative --no-preserve-uid --no-preserve-gid --no-upload --relay --sudo
    --stdin --serial --shell --sync-cmd --arg --simple --threads --quiet
    --verbose --json --color --colors-dark --colors-light --bar-format
    --log-format --version --help --conn-timeout --send-timeout
    --recv-timeout --keep-alive"
  local short_opts="-C -S -U -L -o -s -J -k -p -u -y -t -w -r -e -x -i -l -n -g
    -m -d -q -v -V -h -c -j -z -a"

  if _orgalorg_operands_started; then
    compopt -o filenames 2>/dev/null
    COMPREPLY=($(compgen -f -- "$cur"))
    return
  fi

  # --opt=value: complete the value part. With '=' in COMP_WORDBREAKS (the
  # default) bash splits it into "--opt" "=" "value"; otherwise it is one word.
  if [[ $cur == = ]]; then
    cur=
  elif [[ $prev == = ]] && ((COMP_CWORD >= 2)); then
    prev=${COMP_WORDS[COMP_CWORD-2]}
  elif [[ $cur == --*=* ]]; then
    prev=${cur%%=*}
    cur=${cur#*=}
  fi

  case $prev in
    -k|--key|-i|--stdin|--lock-file|--failed-hosts)
      compopt -o filenames 2>/dev/null
      COMPREPLY=($(compgen -f -- "$cur"))
      return
      ;;
    -r|--root)
      compopt -o filenames 2>/dev/null
      COMPREPLY=($(compgen -d -- "$cur"))
      return
      ;;
    -o|--host)
      # A value starting with / or ./ is a file of hosts; anything else a
      # host: offer the hosts bash knows about (known_hosts, /etc/hosts).
      if [[ $cur == /* || $cur == ./* ]]; then
        compopt -o filenames 2>/dev/null
        COMPREPLY=($(compgen -f -- "$cur"))
      else
        COMPREPLY=($(compgen -A hostname -- "$cur"))
      fi
      return
      ;;
    --color)
      COMPREPLY=($(compgen -W "auto always never" -- "$cur"))
      return
      ;;
    --host-key-check)
      COMPREPLY=($(compgen -W "accept-new strict" -- "$cur"))
      return
      ;;
    -J|--jump)
      COMPREPLY=($(compgen -A hostname -- "$cur"))
      return
      ;;
    -u|--user)
      COMPREPLY=($(compgen -u -- "$cur"))
      return
      ;;
    -n|--sync-cmd)
      COMPREPLY=($(compgen -c -- "$cur"))
      return
      ;;
    -g|--arg|-d|--threads|-c|--conn-timeout|-j|--send-timeout|-z|--recv-timeout|-a|--keep-alive|--timeout|--batch|--max-fail|--batch-wait|--shell|--bar-format|--log-format)
      return  # free-form value
      ;;
  esac

  case $cur in
    --*) COMPREPLY=($(compgen -W "$long_opts" -- "$cur")) ;;
    -*)  COMPREPLY=($(compgen -W "$short_opts $long_opts" -- "$cur")) ;;
    *)
      compopt -o filenames 2>/dev/null
      COMPREPLY=($(compgen -f -- "$cur"))
      ;;
  esac
}

complete -F _orgalorg orgalorg
