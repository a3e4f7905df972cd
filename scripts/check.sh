#!/usr/bin/env bash
# The whole test suite, as CI runs it: formatting, vet, the import rules of
# DESIGN.md, every test under the race detector, each fuzzer briefly, the
# two-namespace LAN test when run as root, a session under strace that
# must write no file, and the --ui pages in a headless chromium.
#
#   bash scripts/check.sh            # everything
#   FUZZTIME=30s bash scripts/check.sh
#
# For longer fuzzing, scripts/fuzz.sh runs the fuzzers alone.
set -euo pipefail
cd "$(dirname "$0")/.."

fuzztime=${FUZZTIME:-4s}
failed=0
step() { printf '\n== %s\n' "$*"; }

step gofmt
unformatted=$(gofmt -l .)
if [ -n "$unformatted" ]; then
	echo "gofmt would change:"; echo "$unformatted"; failed=1
fi

step go vet
go vet ./... || failed=1

step go mod tidy
if ! go mod tidy -diff; then
	echo "go.mod and go.sum are not tidy: run go mod tidy"; failed=1
fi

step "static build (CGO_ENABLED=0, as README.md documents)"
bindir=$(mktemp -d)
if CGO_ENABLED=0 go build -o "$bindir/ssc" .; then
	if ! go version -m "$bindir/ssc" | grep -q 'CGO_ENABLED=0'; then
		echo "the binary was not built with CGO_ENABLED=0"; failed=1
	fi
	if command -v file >/dev/null && ! file "$bindir/ssc" | grep -q 'statically linked'; then
		echo "the binary is not statically linked: $(file "$bindir/ssc")"; failed=1
	fi
else
	failed=1
fi
rm -rf "$bindir"

step "builds for macOS and Windows (one file each, as on Linux)"
for target in darwin/amd64 darwin/arm64 windows/amd64; do
	if ! GOOS=${target%/*} GOARCH=${target#*/} CGO_ENABLED=0 go vet . ./cli ./chat/... ||
		! GOOS=${target%/*} GOARCH=${target#*/} CGO_ENABLED=0 go build -o /dev/null .; then
		echo "ssc does not build for $target"; failed=1
	fi
done

step import rules
# Which ssc packages each package may import (DESIGN.md, Architecture).
# Test files are not counted: tests may wire anything together.
module=$(go list -m)
allowed() {
	case "$1" in
	"$module") echo "cli" ;;
	cli) echo "chat chat/console chat/jsonlines chat/web host peer discovery keys sanitize wire" ;;
	host) echo "wire keys sanitize" ;;
	peer) echo "wire keys sanitize" ;;
	chat) echo "peer keys sanitize" ;;
	chat/console | chat/jsonlines | chat/web) echo "chat peer sanitize keys wire" ;;
	peer/peertest) echo "peer" ;;
	chat/web/webtest) echo "" ;;
	host/hosttest) echo "host keys" ;;
	scripts/loadtest) echo "host peer keys wire" ;; # runs a host and members to measure it
	discovery | wire | keys | sanitize | sessiontest | internal/fuzzseed) echo "" ;;
	*) echo "UNLISTED" ;;
	esac
}
while read -r pkg imports; do
	rel=${pkg#"$module"}; rel=${rel#/}; [ -z "$rel" ] && rel=$module
	ok=$(allowed "$rel")
	if [ "$ok" = UNLISTED ]; then
		echo "package $rel has no import rule in scripts/check.sh"; failed=1; continue
	fi
	for imp in $imports; do
		case "$imp" in "$module"/*) ;; *) continue ;; esac
		dep=${imp#"$module"/}
		if [[ " $ok " != *" $dep "* ]]; then
			echo "import rule broken: $rel imports $dep"; failed=1
		fi
	done
done < <(go list -f '{{.ImportPath}} {{join .Imports " "}}' ./...)

step go test -race ./...
go test -race -count=1 ./... || failed=1

step "fuzz, $fuzztime each"
FUZZTIME=$fuzztime bash scripts/fuzz.sh || failed=1

if [ -f scripts/lan-test.sh ]; then
	step LAN test in network namespaces
	if [ "$(id -u)" = 0 ] && command -v ip >/dev/null; then
		bash scripts/lan-test.sh || failed=1
	else
		echo "skipped: needs root and iproute2 (CI has both)"
	fi
fi

step "no file written, under strace"
if command -v strace >/dev/null; then
	bash scripts/nowrite.sh || failed=1
elif [ "${CI:-}" = true ]; then
	echo "strace is not installed: .ci/run installs it"; failed=1
else
	echo "skipped: needs strace (CI has it)"
fi

step "browser test (scripts/browser: Debian's chromium driven by playwright-core)"
# Needs /usr/bin/chromium and 'npm ci --prefix scripts/browser' (.ci/run does
# both); it never downloads a browser.
if [ -x /usr/bin/chromium ] && [ -d scripts/browser/node_modules/playwright-core ]; then
	bindir=$(mktemp -d)
	if go build -o "$bindir/ssc" .; then
		SSC="$bindir/ssc" timeout 180 node scripts/browser/test.mjs || failed=1
	else
		failed=1
	fi
	rm -rf "$bindir"
elif [ "${CI:-}" = true ]; then
	echo "chromium or playwright-core is missing: .ci/run installs them"; failed=1
else
	echo "skipped: needs /usr/bin/chromium and 'npm ci --prefix scripts/browser' (CI has both)"
fi

step "load smoke test (scripts/loadtest, no timing asserted)"
# Full members, then light ones with the rate limit lifted; each exits 1 on
# any lost or reordered line or any member removed.
go run ./scripts/loadtest -n 20 -m 20 || failed=1
go run ./scripts/loadtest -n 20 -m 200 -light -unlimited || failed=1

echo
if [ "$failed" = 0 ]; then echo "check: all passed"; else echo "check: FAILED"; fi
exit "$failed"
