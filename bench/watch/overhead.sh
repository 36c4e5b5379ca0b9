#!/usr/bin/env bash
# What `letgo watch` costs the service it samples: runs the same request
# loop against the watched service (crates/letgo/tests/fixtures/watched,
# its control endpoints only) without watch, with watch at the default
# interval (10s), and with watch every 1s; prints the loop's throughput
# and latency and the service's CPU time for each. Then the service idle,
# without and with watch every 1s: the CPU difference is what sampling
# itself costs, free of the noise of the request loop.
#
# Usage: bench/watch/overhead.sh [SECONDS per run, default 30]
# Needs the Go toolchain that scripts/test installs (or $LETGO_GO).
set -euo pipefail
cd "$(dirname "$0")/../.."
SECONDS_PER_RUN="${1:-30}"
GO="${LETGO_GO:-.tools/go/bin/go}"
export GOTOOLCHAIN=local GOFLAGS=-mod=mod GOPROXY=off
work="target/bench-watch"
mkdir -p "$work"
cargo build --release -q -p letgo
(cd crates/letgo/tests/fixtures/watched &&
    "$OLDPWD/$GO" build -o "$OLDPWD/$work/watched" . &&
    "$OLDPWD/$GO" build -o "$OLDPWD/$work/load" ./load)

# CPU seconds (user + system) a process has used, from /proc.
cpu_seconds() {
    awk -v hz="$(getconf CLK_TCK)" '{ printf "%.2f", ($14 + $15) / hz }' "/proc/$1/stat"
}

run() { # label, the watch interval or "none", "load" or "idle"
    local label="$1" every="$2" mode="${3:-load}"
    "$work/watched" >"$work/service.out" &
    local service=$!
    sleep 0.5
    local url
    url="$(grep -o 'http://[0-9.:]*' "$work/service.out")"
    local watcher=""
    if [ "$every" != none ]; then
        rm -rf "$work/run-$every"
        local flags=()
        if [ "${every%-gc}" != "$every" ]; then flags=(--gc); fi
        target/release/letgo watch "$url" --every "${every%-gc}" --for "${SECONDS_PER_RUN}s" \
            "${flags[@]}" --out "$work/run-$every" --format json >/dev/null 2>&1 &
        watcher=$!
    fi
    local result="idle"
    if [ "$mode" = load ]; then
        result="$("$work/load" -url "$url" -for "${SECONDS_PER_RUN}s")"
    else
        sleep "$SECONDS_PER_RUN"
    fi
    local cpu
    cpu="$(cpu_seconds "$service")"
    if [ -n "$watcher" ]; then wait "$watcher" || true; fi
    kill "$service"
    wait "$service" 2>/dev/null || true
    printf '%-22s %s service_cpu_s=%s\n' "$label" "$result" "$cpu"
}

echo "request loop for ${SECONDS_PER_RUN}s per run, $(nproc) cores"
run "no watch" none
run "watch --every 10s" 10s
run "watch --every 1s" 1s
run "idle, no watch" none idle
run "idle, watch --every 1s" 1s idle
run "idle, watch --every 1s --gc" 1s-gc idle
