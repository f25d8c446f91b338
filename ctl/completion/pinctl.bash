# SPDX-License-Identifier: GPL-2.0
# bash completion for pinctl(8)

_pinctl_words()
{
    mapfile -t COMPREPLY < <(compgen -W "$1" -- "$cur")
}

_pinctl_options_or_files()
{
    if [[ $cur == -* ]]; then
        _pinctl_words "$1"
    else
        _filedir
    fi
}

_pinctl()
{
    local cur prev words cword
    _init_completion || return

    local commands="status info list monitor check prepare lease pin run policy revoke help version"
    # Global options, before or after the command.
    local globals="-d --device -j --json -p --pretty -v --verbose -h --help"
    local events="pin unpin lease-granted lease-released lease-break lease-revoked protect-on
        protect-off lease-orphaned orphan-released map policy-changed policy-denied"
    local i command=""
    for ((i = 1; i < cword; i++)); do
        case ${words[i]} in
        -d | --device) ((i++)) ;;
        --) return ;;
        -*) ;;
        *)
            command=${words[i]}
            break
            ;;
        esac
    done

    case $prev in
    -d | --device)
        _filedir
        return
        ;;
    --offset | --length | -s | --session)
        return
        ;;
    --lease)
        _pinctl_words "exclusive breakable"
        return
        ;;
    --event)
        # A comma-separated list: complete the last name.
        local done=${cur%,*} last=${cur##*,}
        [[ $cur == *,* ]] || done=""
        mapfile -t COMPREPLY < <(compgen -W "$events" -- "$last")
        [[ -n $done ]] && COMPREPLY=("${COMPREPLY[@]/#/$done,}")
        compopt -o nospace
        return
        ;;
    --uid)
        mapfile -t COMPREPLY < <(compgen -u -- "$cur")
        return
        ;;
    --file)
        _filedir
        return
        ;;
    esac

    # After "--", lease, pin and run run a command.
    local j
    for ((j = i + 1; j < cword; j++)); do
        if [[ ${words[j]} == -- ]]; then
            _command_offset $((j + 1))
            return
        fi
    done

    case $command in
    "")
        if [[ $cur == -* ]]; then
            _pinctl_words "$globals --version"
        else
            _pinctl_words "$commands"
        fi
        ;;
    status | info | version)
        _pinctl_words "$globals"
        ;;
    monitor)
        _pinctl_words "-t --timestamps --event --uid --file $globals"
        ;;
    list)
        _pinctl_words "pins leases sessions -s --session $globals"
        ;;
    check | prepare)
        _pinctl_options_or_files "$globals"
        ;;
    lease)
        if [[ $cur == -* ]]; then
            _pinctl_words "$globals"
        elif ((cword == i + 1)); then
            _pinctl_words "exclusive breakable"
        else
            _filedir
        fi
        ;;
    pin)
        _pinctl_options_or_files "--offset --length --read-only --lease $globals"
        ;;
    run)
        _pinctl_options_or_files "-w --write $globals"
        ;;
    help)
        _pinctl_words "$commands"
        ;;
    revoke)
        if [[ $cur == -* ]]; then
            _pinctl_words "$globals"
        else
            _pinctl_words "$(pinctl list leases 2> /dev/null | awk 'NR > 1 { print $1 ":" $2 }')"
        fi
        ;;
    policy)
        local k action=""
        for ((k = i + 1; k < cword; k++)); do
            case ${words[k]} in
            -d | --device) ((k++)) ;;
            -*) ;;
            *)
                action=${words[k]}
                break
                ;;
            esac
        done
        case $action in
        "")
            if [[ $cur == -* ]]; then
                _pinctl_words "$globals"
            else
                _pinctl_words "show usage load clear"
            fi
            ;;
        show | usage | clear)
            _pinctl_words "$globals"
            ;;
        load)
            if [[ $cur == -* ]]; then
                _pinctl_words "$globals"
            elif ((cword == k + 1)); then
                _filedir
            fi
            ;;
        esac
        ;;
    esac
} &&
    complete -F _pinctl pinctl
