#!/usr/bin/env bash
# Runs every fuzzer in the repository (each func FuzzX in a _test.go file),
# one after the other, for FUZZTIME each, and prints one line per fuzzer.
# A fuzzer that fails has its failing input written under the package's
# testdata/fuzz/FuzzX/: the path is printed, and committing that file makes
# it a regression seed that every 'go test' runs from then on.
#
#   bash scripts/fuzz.sh                  # every fuzzer, 2m each
#   FUZZTIME=10m bash scripts/fuzz.sh     # longer (any go test -fuzztime: 1h30m, 5000x)
#   bash scripts/fuzz.sh ./wire           # only the fuzzers of one package
#   bash scripts/fuzz.sh ./peer/...       # or of a tree of packages
#
# scripts/check.sh runs it with FUZZTIME=4s. Exits non-zero when a fuzzer
# fails or none matches.
set -euo pipefail
cd "$(dirname "$0")/.."

fuzztime=${FUZZTIME:-2m}
if [ "$#" -gt 1 ]; then
	echo "usage: [FUZZTIME=2m] bash $0 [./PACKAGE | ./PACKAGE/...]" >&2
	exit 2
fi
filter=${1:-./...}
filter=${filter#./}
filter=${filter%/}
[ -n "$filter" ] || filter=...

# seconds DURATION: the seconds in a go duration such as 4s, 2m or 1h30m,
# rounded up; empty for anything else (a count such as 5000x).
seconds() {
	local d=$1 total=0 n unit
	[[ "$d" =~ ^([0-9]+(h|m|s))+$ ]] || return 0
	while [[ "$d" =~ ^([0-9]+)(h|m|s)(.*)$ ]]; do
		n=${BASH_REMATCH[1]} unit=${BASH_REMATCH[2]} d=${BASH_REMATCH[3]}
		case "$unit" in
		h) total=$((total + n * 3600)) ;;
		m) total=$((total + n * 60)) ;;
		s) total=$((total + n)) ;;
		esac
	done
	echo "$total"
}

# Each run is bounded: its fuzz time, plus ten minutes to build, run the
# seeds and minimise a failing input; a count of executions gets an hour.
secs=$(seconds "$fuzztime")
limit=$(( ${secs:-3000} + 600 ))

# wanted DIR: whether the package in DIR is selected by the filter.
wanted() {
	case "$filter" in
	...) return 0 ;;
	*/...) [ "$1" = "${filter%/...}" ] || [[ "$1" == "${filter%/...}"/* ]] ;;
	*) [ "$1" = "$filter" ] ;;
	esac
}

out=$(mktemp)
trap 'rm -f "$out"' EXIT

passed=0
failed=0
while read -r file; do
	dir=$(dirname "$file")
	dir=${dir#./}
	wanted "$dir" || continue
	for fn in $(grep -oE '^func Fuzz[A-Za-z0-9_]*' "$file" | awk '{print $2}'); do
		status=0
		timeout "$limit" go test "./$dir" -run='^$' -fuzz="^$fn\$" -fuzztime="$fuzztime" >"$out" 2>&1 || status=$?
		# On a loaded machine the fuzzing engine itself sometimes gives up
		# on its workers ("context deadline exceeded") without any input
		# failing: that is no finding, so such a run is tried once more.
		if [ "$status" != 0 ] && [ "$status" != 124 ] && grep -q 'context deadline exceeded' "$out" && ! grep -q 'Failing input written' "$out"; then
			echo "retry $fn: the fuzzing engine gave up on a worker with no failing input"
			status=0
			timeout "$limit" go test "./$dir" -run='^$' -fuzz="^$fn\$" -fuzztime="$fuzztime" >"$out" 2>&1 || status=$?
		fi
		stats=$(grep -oE 'execs: [0-9]+' "$out" | tail -1 || true)
		if [ "$status" = 0 ]; then
			passed=$((passed + 1))
			printf 'ok    %-20s %-22s %s\n' "./$dir" "$fn" "$stats"
			continue
		fi
		failed=$((failed + 1))
		input=$(sed -n 's/^.*Failing input written to \(testdata\/fuzz\/[^ ]*\).*$/\1/p' "$out" | tail -1)
		if [ "$status" = 124 ]; then
			printf 'FAIL  %-20s %-22s still running after %ss\n' "./$dir" "$fn" "$limit"
		elif [ -n "$input" ]; then
			printf 'FAIL  %-20s %-22s failing input: %s\n' "./$dir" "$fn" "$dir/$input"
		else
			printf 'FAIL  %-20s %-22s (exit status %s)\n' "./$dir" "$fn" "$status"
		fi
		sed 's/^/      /' "$out"
		if [ -n "$input" ]; then
			echo "      To keep it as a regression seed: git add $dir/$input"
		fi
	done
done < <(grep -rl --include='*_test.go' '^func Fuzz' . | sort)

if [ $((passed + failed)) = 0 ]; then
	echo "fuzz: no fuzzer in ./$filter"
	exit 1
fi
echo "fuzz: $passed passed, $failed failed ($fuzztime each)"
[ "$failed" = 0 ]
