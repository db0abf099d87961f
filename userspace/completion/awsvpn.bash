# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# bash completion for awsvpn(8): commands, awsvpn devices, the keywords of
# "set" and "sa add" with their values, connection names, options.
#
# The commands and keywords are read from the installed tool's own help
# ("awsvpn --help" prints the keyword tables the tool parses with), so a
# new keyword completes without a change here; the lists below are only
# for a tool that prints nothing.  Needs nothing but bash (the
# bash-completion package loads it from its completions directory).

_AWSVPN_COMMANDS="show showconf set setconf sa monitor convert up down status help"
# Keyword NAME and its argument as "awsvpn --help" shows them.
_AWSVPN_SET_KEYWORDS="local:ADDR remote:ADDR encap:none|udp local-port:P
	remote-port:P df:clear|keep mss:auto|off|N replay-window:N mtu:auto|N
	outer-mtu:auto|N outer-df:set|clear|inherit nat-keepalive:N|off
	socket-fd:N|-1 if-id:N parallel:on|off|auto"
_AWSVPN_SA_ADD_KEYWORDS="dir:in|out spi:SPI enc:SUITE integ:ALG key-file:FILE
	replay-window:N seq:N activate:on-first-rx limit:LIMIT"
_AWSVPN_ENC="aes128-gcm16 aes256-gcm16 aes128 aes256"
_AWSVPN_INTEG="sha1 sha2-256 sha2-384 sha2-512"
_AWSVPN_LIMITS="time-soft time-hard bytes-soft bytes-hard packets-soft packets-hard"
_AWSVPN_UP_OPTS="--name --local --vici --route --advertise --timeout --vtysh --no-frr"

# _awsvpn_devices: the awsvpn devices of this network namespace, or of
# the one "-n NETNS" named ($_awsvpn_netns, set by _awsvpn).
_awsvpn_devices() {
	ip ${_awsvpn_netns:+-n "$_awsvpn_netns"} -o link show type awsvpn 2>/dev/null |
		awk -F': ' '{ sub(/@.*/, "", $2); print $2 }'
}

# _awsvpn_connections: names "awsvpn up" brought up (its state files).
_awsvpn_connections() {
	local f
	for f in /run/awsvpn/*; do
		[ -f "$f" ] || continue
		f=${f##*/}
		case $f in *.*) continue ;; esac
		echo "$f"
	done
}

# _awsvpn_commands TOOL: the commands of TOOL's usage lines (the help's
# first paragraph).
_awsvpn_commands() {
	local c
	c=$("$1" --help 2>/dev/null | awk '
		/^$/ { exit }
		{ sub(/^Usage:/, ""); if ($1 == "awsvpn" && $2 ~ /^[a-z]/) print $2 }' |
		sort -u)
	echo "${c:-$_AWSVPN_COMMANDS}"
}

# _awsvpn_usage TOOL CMD [all]: the words after "awsvpn CMD" in CMD's usage
# lines: the first one (sa's subcommands), or with "all" every option and
# lower-case literal ("[-j|--json]" gives -j and --json, "DEV dump" dump).
_awsvpn_usage() {
	"$1" --help 2>/dev/null | awk -v cmd="$2" -v all="${3:-}" '
		/^$/ { exit }
		{
			sub(/^Usage:/, "")
			if ($1 != "awsvpn" || $2 != cmd)
				next
			for (i = 3; i <= NF; i++) {
				w = $i
				gsub(/[][]/, "", w)
				n = split(w, a, "|")
				for (j = 1; j <= n; j++)
					if (a[j] ~ /^(-|[a-z])/)
						print a[j]
				if (all == "")
					break
			}
		}' | sort -u
}

# _awsvpn_keywords TOOL SECTION: "NAME:ARG" for each keyword of the help's
# "Keywords of 'SECTION'" table (NAME at two spaces' indent, ARG after it).
_awsvpn_keywords() {
	local k
	k=$("$1" --help 2>/dev/null | awk -v sec="Keywords of '$2'" '
		index($0, sec) == 1 { on = 1; next }
		on && /^$/ { exit }
		on && /^  [a-z]/ { print $1 ":" $2 }')
	if [ -z "$k" ]; then
		case $2 in
		set) k=$_AWSVPN_SET_KEYWORDS ;;
		"sa add") k=$_AWSVPN_SA_ADD_KEYWORDS ;;
		esac
	fi
	echo $k
}

# _awsvpn_reply WORDS...: COMPREPLY from WORDS matching the current word.
_awsvpn_reply() {
	local IFS=$' \t\n'
	# shellcheck disable=SC2207  # words without blanks, split on purpose
	COMPREPLY=($(compgen -W "$*" -- "$cur"))
}

_awsvpn_files() {
	compopt -o filenames 2>/dev/null
	local IFS=$'\n'
	# shellcheck disable=SC2207
	COMPREPLY=($(compgen -f -- "$cur"))
}

# _awsvpn_kwargs TOOL SECTION FIRST: complete "KEYWORD VALUE..." from word
# FIRST on.  The words before the current one are read with a small state
# machine: a keyword is expected, or the value of the keyword before, or
# the words of "activate on-first-rx SPI" and "limit NAME N [NAME N]...".
_awsvpn_kwargs() {
	local tool=$1 sec=$2 i w kw state=keyword used=" " names="" left="" lim
	local -A args=()
	for kw in $(_awsvpn_keywords "$tool" "$sec"); do
		args[${kw%%:*}]=${kw#*:}
		names+=" ${kw%%:*}"
	done
	lim=" ${_AWSVPN_LIMITS} "
	kw=
	for ((i = $3; i < COMP_CWORD; i++)); do
		w=${COMP_WORDS[i]}
		case $state in
		value) state=keyword; continue ;;
		activate) state=activate-spi; continue ;;
		activate-spi) state=keyword; continue ;;
		limit) state=limit-value; continue ;;
		limit-value) state=limit-more; continue ;;
		limit-more)
			if [[ $lim == *" $w "* ]]; then
				state=limit-value
				continue
			fi ;;
		esac
		# A keyword (or a stray word, skipped).
		state=keyword
		[ -n "${args[$w]+x}" ] || continue
		used+="$w "
		kw=$w
		case $w in
		activate) state=activate ;;
		limit) state=limit ;;
		*) state=value ;;
		esac
	done
	for w in $names; do
		[[ $used == *" $w "* ]] || left+=" $w"
	done
	case $state in
	keyword) _awsvpn_reply "$left" ;;
	activate) _awsvpn_reply on-first-rx ;;
	limit) _awsvpn_reply "$_AWSVPN_LIMITS" ;;
	limit-more) _awsvpn_reply "$_AWSVPN_LIMITS $left" ;;
	value)
		case $kw in
		key-file) _awsvpn_files ;;
		enc) _awsvpn_reply "$_AWSVPN_ENC" ;;
		integ) _awsvpn_reply "$_AWSVPN_INTEG" ;;
		*)
			# Literal alternatives of the argument: "auto|off|N"
			# gives auto and off; numbers and addresses are typed.
			_awsvpn_reply "$(echo "${args[$kw]}" | tr '|' '\n' |
				grep -v -e '^[A-Z]*$' -e '^-\{0,1\}[0-9]*$')" ;;
		esac ;;
	esac
}

_awsvpn() {
	local cur=${COMP_WORDS[COMP_CWORD]} prev tool=${COMP_WORDS[0]} cmd words
	local _awsvpn_netns=
	COMPREPLY=()
	# "-n NETNS" before the command: the namespace's name, then the rest as
	# if it were not there, with that namespace's devices.
	case ${COMP_WORDS[1]} in
	-n|--netns)
		if [ "$COMP_CWORD" -eq 2 ]; then
			_awsvpn_reply "$(ip netns list 2>/dev/null | awk '{ print $1 }')"
			return
		fi
		if [ "$COMP_CWORD" -gt 2 ]; then
			_awsvpn_netns=${COMP_WORDS[2]}
			local COMP_WORDS=("$tool" "${COMP_WORDS[@]:3}")
			local COMP_CWORD=$((COMP_CWORD - 2))
		fi ;;
	esac
	if [ "$COMP_CWORD" -eq 1 ]; then
		if [ -n "$_awsvpn_netns" ]; then
			_awsvpn_reply "show showconf set setconf sa monitor"
		else
			_awsvpn_reply "$(_awsvpn_commands "$tool") --help --version -n"
		fi
		return
	fi
	cmd=${COMP_WORDS[1]}
	prev=${COMP_WORDS[COMP_CWORD - 1]}
	case $cmd in
	show)
		# Options and words ("dump") from the usage; a device first.
		words=$(_awsvpn_usage "$tool" show all)
		case $cur in
		-*) _awsvpn_reply "${words:---json -j}" ;;
		*)
			if [ "$COMP_CWORD" -eq 2 ] || [[ $prev == -* ]]; then
				# a device, or "dump" for every device
				_awsvpn_reply "$(_awsvpn_devices; echo "$words" | grep -v '^-')"
			else
				_awsvpn_reply "$(echo "$words" | grep -v '^-')"
			fi ;;
		esac
		;;
	showconf)
		[ "$COMP_CWORD" -eq 2 ] && _awsvpn_reply "$(_awsvpn_devices)"
		;;
	setconf)
		case $COMP_CWORD in
		2) _awsvpn_reply "$(_awsvpn_devices)" ;;
		3) _awsvpn_files ;;
		esac
		;;
	set)
		if [ "$COMP_CWORD" -eq 2 ]; then
			_awsvpn_reply "$(_awsvpn_devices)"
		else
			_awsvpn_kwargs "$tool" set 3
		fi
		;;
	sa)
		case $COMP_CWORD in
		2) words=$(_awsvpn_usage "$tool" sa)
		   _awsvpn_reply "${words:-add del switch flush}" ;;
		3) _awsvpn_reply "$(_awsvpn_devices)" ;;
		*)
			case ${COMP_WORDS[2]} in
			add) _awsvpn_kwargs "$tool" "sa add" 4 ;;
			del|delete)
				case $prev in
				dir) _awsvpn_reply "in out" ;;
				spi) ;;
				*) _awsvpn_reply "dir spi" ;;
				esac ;;
			switch) [ "$prev" = spi ] || _awsvpn_reply spi ;;
			flush)
				case $prev in
				dir) _awsvpn_reply "in out" ;;
				*) [ "$COMP_CWORD" -eq 4 ] && _awsvpn_reply dir ;;
				esac ;;
			esac
			;;
		esac
		;;
	monitor)
		case $cur in
		-*) words=$(_awsvpn_usage "$tool" monitor all | grep '^-')
		    _awsvpn_reply "${words:---json} -j" ;;
		*) _awsvpn_reply "$(_awsvpn_devices)" ;;
		esac
		;;
	convert)
		[ "$COMP_CWORD" -le 3 ] && _awsvpn_files
		;;
	up)
		case $prev in
		--name|--local|--vici|--route|--advertise|--timeout|--vtysh) return ;;
		esac
		case $cur in
		-*) _awsvpn_reply "$_AWSVPN_UP_OPTS" ;;
		*) _awsvpn_files ;;
		esac
		;;
	down)
		[ "$COMP_CWORD" -eq 2 ] && _awsvpn_reply "$(_awsvpn_connections)"
		;;
	status)
		case $cur in
		-*) _awsvpn_reply "--json -j" ;;
		*) _awsvpn_reply "$(_awsvpn_connections)" ;;
		esac
		;;
	help)
		[ "$COMP_CWORD" -eq 2 ] && _awsvpn_reply "$(_awsvpn_commands "$tool")"
		;;
	esac
}

complete -F _awsvpn awsvpn
