#!/usr/bin/env bash
# LAN discovery between two machines, for real: two network namespaces
# joined by a veth pair stand for two laptops on one network. 'ssc start'
# runs in one, 'ssc join' without a link in the other, which must find the
# session over mDNS, join it, and carry a message each way.
#
#   sudo bash scripts/lan-test.sh
#
# Needs root and iproute2 (ip) and coreutils (timeout); installs nothing.
# Every address, route and packet stays inside the two namespaces, which
# are removed at the end, whatever happens. Exits non-zero on any failure.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "$(id -u)" != 0 ]; then
	echo "lan-test: needs root to make network namespaces: sudo bash $0" >&2
	exit 2
fi
for tool in ip timeout mkfifo go; do
	command -v "$tool" >/dev/null || { echo "lan-test: $tool is not installed" >&2; exit 2; }
done

# Names unique to this run, so that two runs cannot meet.
ns_host="ssc-lan-$$-host"
ns_join="ssc-lan-$$-join"
host_ip=10.201.0.1
join_ip=10.201.0.2
limit=60 # seconds any one ssc may run
tmp=$(mktemp -d)
pids=()

cleanup() {
	local pid
	for pid in "${pids[@]}"; do
		kill "$pid" 2>/dev/null || true
	done
	for pid in "${pids[@]}"; do
		wait "$pid" 2>/dev/null || true
	done
	ip netns del "$ns_host" 2>/dev/null || true
	ip netns del "$ns_join" 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

echo "lan-test: building ssc"
go build -o "$tmp/ssc" .
printf 'correct horse battery staple\n' >"$tmp/pass"

# The veth pair is made inside the first namespace with its peer in the
# second: it never exists on the machine's own network.
ip netns add "$ns_host"
ip netns add "$ns_join"
ip -n "$ns_host" link add veth0 type veth peer name veth0 netns "$ns_join"
for ns in "$ns_host" "$ns_join"; do
	ip -n "$ns" link set lo up
	ip -n "$ns" link set veth0 up
done
ip -n "$ns_host" addr add "$host_ip/24" dev veth0
ip -n "$ns_join" addr add "$join_ip/24" dev veth0
for ns in "$ns_host" "$ns_join"; do
	ip -n "$ns" route add 224.0.0.0/4 dev veth0
done

# wait_for FILE REGEX [SECONDS]: waits until a line of FILE matches.
wait_for() {
	local file=$1 re=$2 secs=${3:-15}
	local end=$((SECONDS + secs))
	until grep -Eq -- "$re" "$file" 2>/dev/null; do
		if ((SECONDS >= end)); then
			echo "lan-test: no line matching /$re/ in $(basename "$file") within ${secs}s"
			return 1
		fi
		sleep 0.1
	done
}

# expect FILE REGEX: fails unless a line of FILE matches.
expect() {
	grep -Eq -- "$2" "$1" || { echo "lan-test: no line matching /$2/ in $(basename "$1")"; return 1; }
}

# start_bg NAME NS ARGS...: runs ssc ARGS in namespace NS in the
# background, with its stdin on the FIFO $tmp/NAME.in (the caller opens it
# for writing as fd 3, 4 or 5) and its output in $tmp/NAME.out and .err.
# Sets $last_pid.
start_bg() {
	local name=$1 ns=$2
	shift 2
	mkfifo "$tmp/$name.in"
	# Closing 3-5, the other processes' stdin, lets each end at its own EOF.
	ip netns exec "$ns" timeout "$limit" "$tmp/ssc" "$@" <"$tmp/$name.in" >"$tmp/$name.out" 2>"$tmp/$name.err" 3>&- 4>&- 5>&- &
	last_pid=$!
	pids+=("$last_pid")
}

# finish PID WANT: waits for PID and fails unless it exited with WANT.
finish() {
	local status=0
	wait "$1" || status=$?
	if [ "$status" != "$2" ]; then
		echo "lan-test: ssc exited with status $status, want $2"
		return 1
	fi
}

show() {
	local f
	for f in "$tmp"/*.out "$tmp"/*.err; do
		[ -s "$f" ] && { echo "--- $(basename "$f")"; cat "$f"; }
	done
	return 0
}

# One session on the network: join finds it without a link, is admitted by
# the passphrase, and chats both ways; the session ends for both.
test_find_and_chat() {
	start_bg host "$ns_host" start --json --name alice --title "LAN test" --passphrase-file "$tmp/pass"
	local host=$last_pid
	exec 3>"$tmp/host.in"
	wait_for "$tmp/host.out" '^\{"type":"ready",' || return 1
	start_bg join "$ns_join" join --json --name bob --passphrase-file "$tmp/pass"
	local join=$last_pid
	exec 4>"$tmp/join.in"
	wait_for "$tmp/join.out" '^\{"type":"welcome",' || return 1
	expect "$tmp/join.out" '^\{"type":"found","session":"LAN test","addr":"'"${host_ip//./\\.}"':7654",.*"host":"[a-z0-9-]+"\}$' || return 1
	# The host is pinned to the fingerprint it announced; the passphrase is what admitted bob.
	expect "$tmp/join.out" '^\{"type":"welcome",.*"session":"LAN test",.*"pinned":true\}$' || return 1
	wait_for "$tmp/host.out" '"type":"join",.*"name":"bob","addr":"'"${join_ip//./\\.}"':[0-9]+"' || return 1

	echo 'hello from bob' >&4
	wait_for "$tmp/host.out" '"type":"message",.*"from":"bob","text":"hello from bob","self":false' || return 1
	echo 'hello from alice' >&3
	wait_for "$tmp/join.out" '"type":"message",.*"from":"alice","text":"hello from alice","self":false' || return 1

	exec 3>&- # the host's operator leaves: the session ends
	finish "$host" 0 || return 1
	wait_for "$tmp/join.out" '^\{"type":"end",.*"reason":"host-ended"\}$' || return 1
	exec 4>&-
	finish "$join" 0 || return 1
	# The announcement ended with the session.
	local status=0
	ip netns exec "$ns_join" timeout "$limit" "$tmp/ssc" join --json --name bob --passphrase-file "$tmp/pass" --timeout 2s \
		</dev/null >"$tmp/after.out" 2>"$tmp/after.err" || status=$?
	[ "$status" = 4 ] || { echo "lan-test: join after the end exited with status $status, want 4"; return 1; }
	expect "$tmp/after.err" '^ssc: error: no session found on the local network within 2s$'
}

# Two sessions: a script must name one; --no-mdns hides a session.
test_two_sessions() {
	start_bg one "$ns_host" start --json --name alice --passphrase-file "$tmp/pass"
	local one=$last_pid
	exec 3>"$tmp/one.in"
	start_bg two "$ns_host" start --json --name carol --listen :7655 --passphrase-file "$tmp/pass"
	local two=$last_pid
	exec 4>"$tmp/two.in"
	start_bg hidden "$ns_host" start --json --name dave --listen :7656 --no-mdns --passphrase-file "$tmp/pass"
	local hidden=$last_pid
	exec 5>"$tmp/hidden.in"
	wait_for "$tmp/one.out" '^\{"type":"ready",' || return 1
	wait_for "$tmp/two.out" '^\{"type":"ready",' || return 1
	wait_for "$tmp/hidden.out" '^\{"type":"ready",' || return 1

	local status=0
	ip netns exec "$ns_join" timeout "$limit" "$tmp/ssc" join --json --name bob --passphrase-file "$tmp/pass" \
		</dev/null >"$tmp/pick.out" 2>"$tmp/pick.err" || status=$?
	[ "$status" = 2 ] || { echo "lan-test: join among two exited with status $status, want 2"; return 1; }
	expect "$tmp/pick.err" '^ssc: error: 2 sessions found on the local network: say which with --session$' || return 1
	expect "$tmp/pick.err" "^ssc: hint: found: 1\) \"alice's session\" on .*; 2\) \"carol's session\" on " || return 1

	ip netns exec "$ns_join" timeout "$limit" "$tmp/ssc" join --json --name bob --passphrase-file "$tmp/pass" --session "Carol's session" \
		</dev/null >"$tmp/carol.out" 2>"$tmp/carol.err" || { echo "lan-test: join --session failed"; return 1; }
	expect "$tmp/carol.out" '^\{"type":"found","session":"carol'"'"'s session","addr":"'"${host_ip//./\\.}"':7655",' || return 1
	expect "$tmp/carol.out" '^\{"type":"welcome",.*"session":"carol'"'"'s session",' || return 1
	wait_for "$tmp/two.out" '"type":"join",.*"name":"bob"' || return 1
	if grep -q '"type":"join"' "$tmp/one.out"; then
		echo "lan-test: bob joined alice's session too"
		return 1
	fi

	exec 3>&- 4>&- 5>&-
	finish "$one" 0 && finish "$two" 0 && finish "$hidden" 0
}

passed=0
failed=0
for t in test_find_and_chat test_two_sessions; do
	start=$SECONDS
	if "$t"; then
		passed=$((passed + 1))
		echo "lan-test: ok   $t ($((SECONDS - start))s)"
	else
		failed=$((failed + 1))
		echo "lan-test: FAIL $t ($((SECONDS - start))s)"
		show
	fi
	# Whatever a test left running ends before the next one starts.
	exec 3>&- 4>&- 5>&-
	for pid in "${pids[@]}"; do
		kill "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	done
	pids=()
	rm -f "$tmp"/*.in "$tmp"/*.out "$tmp"/*.err
done

echo "lan-test: $passed passed, $failed failed"
[ "$failed" = 0 ]
