#!/usr/bin/env bash
# ssc writes no file at run time, proven with strace: a host and two
# members chat on 127.0.0.1 (group lines and direct messages), the host
# ends the session, a host with --ui serves its page to curl, and every
# system call that could create, change or remove a file is checked. An
# open for writing or a create, rename, link, mkdir, unlink or truncate
# that succeeded on a path other than a device or /proc fails the test,
# and so does anything left in the empty HOME, TMPDIR and XDG directories
# ssc ran with.
#
#   bash scripts/nowrite.sh              # self-test of the checker, then the session
#   bash scripts/nowrite.sh --self-test  # only the self-test
#
# Needs strace (and coreutils' timeout, mkfifo); installs nothing. No
# mDNS: the host runs with --no-mdns and members join by link. Exits
# non-zero on any failure.
set -euo pipefail
cd "$(dirname "$0")/.."

self_test_only=0
case "${1:-}" in
"") ;;
--self-test) self_test_only=1 ;;
*) echo "usage: bash $0 [--self-test]" >&2; exit 2 ;;
esac
for tool in strace timeout mkfifo go awk; do
	command -v "$tool" >/dev/null || { echo "nowrite: $tool is not installed" >&2; exit 2; }
done

limit=60 # seconds any one traced process may run
# The calls that create, change or remove a file. Those marked ? do not
# exist on every architecture. bind is there for Unix sockets, which are
# files too.
calls='?open,openat,?openat2,?creat,?rename,renameat,?renameat2,?link,linkat,?symlink,symlinkat,?mkdir,mkdirat,?mknod,mknodat,?unlink,unlinkat,truncate,ftruncate,bind'

tmp=$(mktemp -d)
pids=()
cleanup() {
	local pid
	exec 3>&- 4>&- 5>&-
	for pid in "${pids[@]}"; do
		kill "$pid" 2>/dev/null || true
	done
	for pid in "${pids[@]}"; do
		wait "$pid" 2>/dev/null || true
	done
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# The directories a program would write to, empty, and set for every
# traced process. Logs, FIFOs and outputs live beside them, not in them.
watched=(HOME TMPDIR XDG_CONFIG_HOME XDG_CACHE_HOME XDG_DATA_HOME XDG_STATE_HOME XDG_RUNTIME_DIR)
for v in "${watched[@]}"; do
	mkdir -m 700 "$tmp/$v"
done
mkdir "$tmp/logs" "$tmp/io"

# traced NAME CMD...: runs CMD under strace with the empty directories as
# HOME, TMPDIR and XDG_*, one log per thread in $tmp/logs/NAME.TID. -y
# prints the path behind a file descriptor, for ftruncate.
traced() {
	local name=$1
	shift
	HOME="$tmp/HOME" TMPDIR="$tmp/TMPDIR" XDG_CONFIG_HOME="$tmp/XDG_CONFIG_HOME" \
		XDG_CACHE_HOME="$tmp/XDG_CACHE_HOME" XDG_DATA_HOME="$tmp/XDG_DATA_HOME" \
		XDG_STATE_HOME="$tmp/XDG_STATE_HOME" XDG_RUNTIME_DIR="$tmp/XDG_RUNTIME_DIR" \
		timeout "$limit" strace -f -ff -qq -y -e trace="$calls" -o "$tmp/logs/$name" -- "$@"
}

# check_logs FILE...: prints each line of the strace logs FILE... that
# wrote a file, and fails if there is one. Successful read-only opens are
# listed in $tmp/io/opened.
check_logs() {
	awk -v opened="$tmp/io/opened" '
	# allowed: devices other than shared memory, and /proc.
	function allowed(p) {
		if (p ~ /(^|\/)\.\.(\/|$)/) return 0
		if (p ~ /^\/dev\/(shm|mqueue)(\/|$)/) return 0
		return p ~ /^\/(dev|proc)\//
	}
	# paths: the quoted strings of the arguments, and the <path> of a
	# decoded file descriptor; n is how many, in path[1..n].
	function paths(args,   rest, n, s) {
		n = 0
		rest = args
		while (match(rest, /"([^"\\]|\\.)*"/)) {
			s = substr(rest, RSTART + 1, RLENGTH - 2)
			path[++n] = s
			rest = substr(rest, RSTART + RLENGTH)
		}
		if (call == "ftruncate" && match(args, /^[0-9]+<[^>]*>/)) {
			s = substr(args, 1, RLENGTH - 1)
			sub(/^[0-9]+</, "", s)
			path[++n] = s
		}
		return n
	}
	{
		line = $0
		sub(/^(\[pid +)?[0-9]+\]? +/, "", line) # a pid, with -f into one file
		if (!match(line, /^[a-z0-9_]+\(/)) next # signals, exits
		call = substr(line, 1, RLENGTH - 1)
		# The result: failed calls change nothing. A call cut short has
		# none and counts as done.
		failed = line ~ /\) += -1 [A-Z]/
		args = substr(line, RLENGTH + 1)
		sub(/\) += [^=]*$/, "", args)
		if (call == "open" || call == "openat" || call == "openat2") {
			writes = args ~ /O_(WRONLY|RDWR|CREAT|TRUNC)/
		} else if (call == "bind") {
			# A named Unix socket is a file; an abstract one (@) is not.
			writes = args ~ /sun_path="/
			if (writes) { sub(/^.*sun_path=/, "", args); sub(/}.*$/, "", args) }
		} else {
			writes = 1
		}
		n = paths(args)
		if (failed) next
		if (!writes) {
			if (call ~ /^open/ && n > 0) print path[1] > opened
			next
		}
		bad = n == 0
		for (i = 1; i <= n; i++) if (!allowed(path[i])) bad = 1
		if (bad) { print FILENAME ": " $0; found++ }
	}
	END { exit found > 0 }
	' "$@"
}

# check_empty: fails, listing what is there, unless the watched
# directories are still empty.
check_empty() {
	local v left=0
	for v in "${watched[@]}"; do
		if [ -n "$(find "$tmp/$v" -mindepth 1 -print -quit)" ]; then
			echo "nowrite: left in \$$v:"
			find "$tmp/$v" -mindepth 1 | sed 's/^/  /'
			left=1
		fi
	done
	return "$left"
}

# A checker that cannot fail proves nothing: it must flag each write in a
# made-up log and nothing in a clean one, and catch a real write under
# strace.
self_test() {
	local st="$tmp/selftest" got want
	mkdir "$st"
	cat >"$st/clean" <<'EOF'
openat(AT_FDCWD, "/etc/hosts", O_RDONLY|O_CLOEXEC) = 3</etc/hosts>
[pid  4321] openat(AT_FDCWD</tmp>, "/proc/self/maps", O_RDONLY|O_CLOEXEC) = 3</proc/4321/maps>
openat(AT_FDCWD, "/sys/kernel/mm/transparent_hugepage/hpage_pmd_size", O_RDONLY) = 3</sys/kernel/mm/transparent_hugepage/hpage_pmd_size>
openat(AT_FDCWD, "/dev/null", O_WRONLY|O_CLOEXEC) = 3</dev/null>
openat(AT_FDCWD, "/dev/tty", O_RDWR|O_NOCTTY) = 4</dev/tty>
openat(AT_FDCWD, "/dev/pts/3", O_RDWR) = 4</dev/pts/3>
openat(AT_FDCWD, "/proc/self/oom_score_adj", O_WRONLY) = 4</proc/self/oom_score_adj>
openat(AT_FDCWD, "/root/.config/ssc", O_WRONLY|O_CREAT|O_TRUNC, 0666) = -1 EACCES (Permission denied)
mkdirat(AT_FDCWD, "/tmp/d", 0700) = -1 EEXIST (File exists)
unlinkat(AT_FDCWD, "/tmp/gone", 0) = -1 ENOENT (No such file or directory)
bind(3<socket:[123]>, {sa_family=AF_INET, sin_port=htons(0), sin_addr=inet_addr("127.0.0.1")}, 16) = 0
bind(3<socket:[124]>, {sa_family=AF_UNIX, sun_path=@"ssc"}, 6) = 0
--- SIGURG {si_signo=SIGURG, si_code=SI_TKILL, si_pid=1, si_uid=0} ---
+++ exited with 0 +++
EOF
	cat >"$st/dirty" <<'EOF'
openat(AT_FDCWD, "/tmp/ssc-x", O_WRONLY|O_CREAT|O_TRUNC|O_CLOEXEC, 0666) = 3</tmp/ssc-x>
openat(AT_FDCWD</root>, "history", O_RDWR|O_CLOEXEC) = 3</root/history>
[pid  4321] unlink("/tmp/b") = 0
open("/root/.ssc", O_RDONLY|O_CREAT, 0600) = 3</root/.ssc>
openat(AT_FDCWD, "/root/.ssc", O_RDONLY|O_TRUNC) = 3</root/.ssc>
openat2(AT_FDCWD, "/var/tmp/k", {flags=O_WRONLY|O_CREAT, resolve=0, mode=0600}, 24) = 3</var/tmp/k>
creat("/tmp/a", 0600) = 3</tmp/a>
renameat2(AT_FDCWD, "/tmp/a", AT_FDCWD, "/tmp/b", RENAME_NOREPLACE) = 0
rename("/dev/null", "/tmp/c") = 0
unlinkat(AT_FDCWD, "/tmp/b", 0) = 0
mkdirat(AT_FDCWD, "/root/.cache/ssc", 0700) = 0
symlinkat("/x", AT_FDCWD, "/tmp/l") = 0
4321 linkat(AT_FDCWD, "/tmp/a", AT_FDCWD, "/tmp/c", 0) = 0
ftruncate(3</tmp/ssc-x>, 0) = 0
truncate("/tmp/ssc-x", 0) = 0
mknodat(AT_FDCWD, "/tmp/fifo", S_IFIFO|0600) = 0
openat(AT_FDCWD, "/dev/shm/ssc", O_RDWR|O_CREAT, 0600) = 3</dev/shm/ssc>
openat(AT_FDCWD, "/dev/../tmp/x", O_WRONLY|O_CREAT, 0600) = 3</tmp/x>
openat(AT_FDCWD, "/tmp/quote\"d", O_WRONLY) = 3</tmp/quote"d>
bind(3<socket:[125]>, {sa_family=AF_UNIX, sun_path="/tmp/ssc.sock"}, 110) = 0
openat(AT_FDCWD, "/tmp/cut", O_WRONLY|O_CREAT, 0600 <unfinished ...>
EOF
	check_logs "$st/clean" || { echo "nowrite: self-test: the checker flagged a clean log"; return 1; }
	want=$(wc -l <"$st/dirty")
	got=$(check_logs "$st/dirty" | wc -l) || true
	if [ "$got" != "$want" ]; then
		echo "nowrite: self-test: the checker flagged $got of the $want writes in:"
		check_logs "$st/dirty" || true
		return 1
	fi
	# A real write, traced like ssc is.
	rm -f "$tmp/logs"/*
	traced selftest bash -c ': >"$TMPDIR/written"'
	if check_logs "$tmp/logs"/selftest.* >/dev/null; then
		echo "nowrite: self-test: a file written under strace went unnoticed"
		return 1
	fi
	if check_empty >/dev/null; then
		echo "nowrite: self-test: a file left in \$TMPDIR went unnoticed"
		return 1
	fi
	rm -rf "$tmp/logs"/* "${tmp:?}/TMPDIR/written" "$tmp/io/opened"
	echo "nowrite: self-test passed: the checker finds writes"
}

self_test
[ "$self_test_only" = 1 ] && exit 0

# wait_for FILE REGEX: waits until a line of FILE matches.
wait_for() {
	local file=$1 re=$2 secs=20
	local end=$((SECONDS + secs))
	until grep -Eq -- "$re" "$file" 2>/dev/null; do
		if ((SECONDS >= end)); then
			echo "nowrite: no line matching /$re/ in $(basename "$file") within ${secs}s"
			return 1
		fi
		sleep 0.1
	done
}

# start_bg NAME CMD...: runs CMD traced in the background, with its stdin
# on the FIFO $tmp/io/NAME.in (the caller opens it for writing as fd 3, 4
# or 5) and its output in $tmp/io/NAME.out and .err. Sets $last_pid.
start_bg() {
	local name=$1
	shift
	mkfifo "$tmp/io/$name.in"
	traced "$name" "$@" <"$tmp/io/$name.in" >"$tmp/io/$name.out" 2>"$tmp/io/$name.err" 3>&- 4>&- 5>&- &
	last_pid=$!
	pids+=("$last_pid")
}

# finish PID WANT: waits for PID and fails unless it exited with WANT.
finish() {
	local status=0
	wait "$1" || status=$?
	if [ "$status" != "$2" ]; then
		echo "nowrite: a traced ssc exited with status $status, want $2"
		return 1
	fi
}

show() {
	local f
	for f in "$tmp"/io/*.out "$tmp"/io/*.err; do
		[ -s "$f" ] && { echo "--- $(basename "$f")"; cat "$f"; }
	done
	return 0
}

session() {
	local host bob carol link who other
	start_bg host "$tmp/ssc" start --json --no-mdns --listen 127.0.0.1:0 --name alice --passphrase-file "$tmp/pass"
	host=$last_pid
	exec 3>"$tmp/io/host.in"
	wait_for "$tmp/io/host.out" '^\{"type":"ready",' || return 1
	link=$(sed -n 's/^{"type":"ready",.*"link":"\(ssc:\/\/[^"]*\)".*$/\1/p' "$tmp/io/host.out")
	[ -n "$link" ] || { echo "nowrite: no link in the ready event"; return 1; }

	# bob reads the passphrase from a file, carol from the environment.
	start_bg bob "$tmp/ssc" join --json --name bob --passphrase-file "$tmp/pass" "$link"
	bob=$last_pid
	exec 4>"$tmp/io/bob.in"
	wait_for "$tmp/io/bob.out" '^\{"type":"welcome",' || return 1
	SSC_PASSPHRASE=$(cat "$tmp/pass") start_bg carol "$tmp/ssc" join --json --name carol "$link"
	carol=$last_pid
	exec 5>"$tmp/io/carol.in"
	wait_for "$tmp/io/carol.out" '^\{"type":"welcome",' || return 1
	wait_for "$tmp/io/host.out" '"type":"join",.*"name":"carol"' || return 1
	wait_for "$tmp/io/bob.out" '"type":"join",.*"name":"carol"' || return 1

	# Everyone says a line that the two others see, and sends each of them
	# a direct message.
	echo 'hello from alice' >&3
	echo 'hello from bob' >&4
	echo 'hello from carol' >&5
	echo '/msg bob alice to bob' >&3
	echo '/msg carol alice to carol' >&3
	echo '/msg alice bob to alice' >&4
	echo '/msg carol bob to carol' >&4
	echo '/msg alice carol to alice' >&5
	echo '/msg bob carol to bob' >&5
	for who in host bob carol; do
		for other in alice bob carol; do
			[ "$who" = "$other" ] || [ "$who:$other" = host:alice ] && continue
			wait_for "$tmp/io/$who.out" '"type":"message",.*"from":"'"$other"'","text":"hello from '"$other"'","self":false' || return 1
		done
	done
	for who in alice bob carol; do
		for other in alice bob carol; do
			[ "$who" = "$other" ] && continue
			local out=$who
			[ "$who" = alice ] && out=host
			wait_for "$tmp/io/$out.out" '"type":"message",.*"from":"'"$other"'","to":"'"$who"'","text":"'"$other"' to '"$who"'","self":false' || return 1
		done
	done

	# The host ends the session; everyone exits 0.
	echo '/end' >&3
	wait_for "$tmp/io/bob.out" '^\{"type":"end",.*"reason":"host-ended"\}$' || return 1
	wait_for "$tmp/io/carol.out" '^\{"type":"end",.*"reason":"host-ended"\}$' || return 1
	exec 3>&- 4>&- 5>&-
	finish "$host" 0 && finish "$bob" 0 && finish "$carol" 0 || return 1
	for who in host bob carol; do
		if [ -s "$tmp/io/$who.err" ]; then
			echo "nowrite: $who wrote to stderr"
			return 1
		fi
	done
}

# ui_session: a host with --ui serves its page, which curl loads as a
# browser would (the one-time address, the page under the token, its
# script, style and icon); then SIGTERM ends the session. No xdg-open is
# on its PATH: nothing but ssc runs under strace.
ui_session() {
	local url page main f
	start_bg ui env PATH=/nonexistent "$tmp/ssc" start --ui --no-mdns --listen 127.0.0.1:0 --name dora --passphrase-file "$tmp/pass"
	exec 3>"$tmp/io/ui.in"
	wait_for "$tmp/io/ui.err" 'http://127\.0\.0\.1:[0-9]+/open/' || return 1
	url=$(grep -Eo 'http://127\.0\.0\.1:[0-9]+/open/[A-Za-z0-9_-]+' "$tmp/io/ui.err")
	page=$(curl -fsS -o /dev/null -w '%{url_effective}' -L "$url") || { echo "nowrite: the --ui page did not load"; return 1; }
	for f in app.js style.css icon.svg; do
		curl -fsS -o /dev/null "$page$f" || { echo "nowrite: the --ui page's $f did not load"; return 1; }
	done
	# strace -ff logs each thread as NAME.TID; the process's first thread,
	# whose TID is its PID, has the lowest.
	main=$(ls "$tmp/logs" | sed -n 's/^ui\.\([0-9]*\)$/\1/p' | sort -n | head -1)
	[ -n "$main" ] || { echo "nowrite: no strace log for the --ui host"; return 1; }
	kill -TERM "$main"
	exec 3>&-
	finish "$last_pid" 0 || return 1
}

echo "nowrite: building ssc"
go build -o "$tmp/ssc" .
printf 'correct horse battery staple\n' >"$tmp/pass"

status=0
session || { show; status=1; }
if command -v curl >/dev/null; then
	ui_session || { show; status=1; }
elif [ "${CI:-}" = true ]; then
	echo "nowrite: curl is not installed: .ci/run installs it"; status=1
else
	echo "nowrite: skipped the --ui page: needs curl"
fi
if ! ls "$tmp"/logs/host.* "$tmp"/logs/bob.* "$tmp"/logs/carol.* >/dev/null 2>&1; then
	echo "nowrite: strace wrote no log"
	exit 1
fi
check_logs "$tmp"/logs/* || { echo "nowrite: ssc wrote the files above"; status=1; }
check_empty || status=1
if [ -s "$tmp/io/opened" ]; then
	echo "nowrite: ssc opened read-only:"
	sort -u "$tmp/io/opened" | sed "s|^$tmp/|\$TMP/|; s/^/  /"
fi
if [ "$status" = 0 ]; then
	echo "nowrite: ok: three ssc processes chatted, a --ui host served its page, and none wrote a file"
fi
exit "$status"
