#!/usr/bin/env bash
# Delivery latency of healthy clients while one client is stalled (issue 4).
# Runs the same rt loadgen workload twice against one rt serve: once alone, once with a stalled
# subscriber on AllTasks (an `rt subscribe` whose stdout is a pipe nobody reads, so it stops
# reading its socket). Prints both latency lines and the server's slow-consumer counters.
# usage: bench/stalled_consumer.sh [path/to/rt] [conns] [rate] [duration]
set -euo pipefail
BENCH_ROOT=$(cd "$(dirname "$0")/.." && pwd)
source "$BENCH_ROOT/bench/lib.sh"
RT=${1:-$BENCH_ROOT/build/rt}
CONNS=${2:-1000}
RATE=${3:-500/s}
DURATION=${4:-10s}
work=$(mktemp -d "${TMPDIR:-/tmp}/rt-stall.XXXXXX")
# The stalled subscriber may be blocked in a write to the pipe: SIGKILL it and its sink outright.
trap 'kill -9 ${SUB_PID:-} ${SINK_PID:-} 2>/dev/null; stop_pid "${SERVE_PID:-}"; rm -rf "$work"' EXIT

# 256-byte payloads so the stalled client's queue passes the 1 MiB soft limit within seconds.
start_rt_serve "$RT" --slow-grace 3s
run() {
    "$RT" loadgen --url "ws://127.0.0.1:$SERVE_PORT/live" --conns "$CONNS" --boards $((CONNS / 10)) --rate "$RATE" \
        --duration "$DURATION" --warmup 1s --payload 256B --quiet | grep -E "latency  |completeness"
}
echo "== healthy clients alone"
run
mkfifo "$work/pipe"
sleep 3600 <"$work/pipe" &   # holds the read end open and never reads
SINK_PID=$!
"$RT" subscribe AllTasks --url "ws://127.0.0.1:$SERVE_PORT/live" --max-retries 1000 >"$work/pipe" 2>"$work/sub.err" &
SUB_PID=$!
echo "== the same load with one stalled subscriber on AllTasks (every event)"
run
curl -s "http://127.0.0.1:$SERVE_PORT/metrics" | grep -E "^rt_(events_dropped_total|slow_consumer_disconnects_total|bytes_queued) "
echo "server RSS $(rss_kib "$SERVE_PID") KiB"
