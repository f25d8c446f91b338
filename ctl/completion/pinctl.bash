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

    local commands="info status list monitor check prepare lease pin run policy"
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
        _pinctl_words "$commands -d --device -h --help --version"
        ;;
    status | monitor)
        _pinctl_words "-j --json -h --help"
        ;;
    list)
        _pinctl_words "pins leases sessions -s --session -j --json -h --help"
        ;;
    check)
        _pinctl_options_or_files "-j --json -h --help"
        ;;
    prepare)
        _pinctl_options_or_files "-h --help"
        ;;
    lease)
        if ((cword == i + 1)); then
            _pinctl_words "exclusive breakable -h --help"
        else
            _filedir
        fi
        ;;
    pin)
        _pinctl_options_or_files "--offset --length --read-only -h --help"
        ;;
    run)
        _pinctl_options_or_files "-w --write -h --help"
        ;;
    info)
        _pinctl_words "-h --help"
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
            _pinctl_words "show usage load clear -h --help"
            ;;
        show | usage)
            _pinctl_words "-j --json -h --help"
            ;;
        load)
            if [[ $cur == -* ]]; then
                _pinctl_words "-h --help"
            elif ((cword == k + 1)); then
                _filedir
            fi
            ;;
        clear)
            _pinctl_words "-h --help"
            ;;
        esac
        ;;
    esac
} &&
    complete -F _pinctl pinctl
