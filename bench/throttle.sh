#!/usr/bin/env bash
# Throttle figures (docs/protocol.md, "Throttled delivery"): one row updated at RATE/s, CONNS
# unthrottled subscribers, then CONNS subscribers throttled at THROTTLE, each for SECONDS_EACH, on one
# rt serve: frames per subscriber per second and the server's CPU over each publishing window.
#
#   bench/throttle.sh [RT]       (RT: the rt binary, default build/rt)
#   CONNS=1000 RATE=1000 THROTTLE=100ms SECONDS_EACH=10 bench/throttle.sh
set -euo pipefail
BENCH_ROOT=$(cd "$(dirname "$0")/.." && pwd)
source "$BENCH_ROOT/bench/lib.sh"
RT=${1:-$BENCH_ROOT/build/rt}
CONNS=${CONNS:-1000}
RATE=${RATE:-1000}
THROTTLE=${THROTTLE:-100ms}
SECONDS_EACH=${SECONDS_EACH:-10}
OUT=$BENCH_ROOT/bench/out
mkdir -p "$OUT"

g++ -O2 -std=c++17 -o "$OUT/throttle_probe" "$BENCH_ROOT/bench/throttle_probe.cpp"
cat >"$OUT/cursors.spec" <<'SPEC'
app Pointers {
  entity Cursor { attr user: string attr x: int attr y: int }
  subscription AllCursors: Cursor
}
SPEC
# One publisher sends all RATE publishes: its message and change budgets are raised to match.
SERVE_SPEC="$OUT/cursors.spec" start_rt_serve "$RT" --rate-limit $((RATE * 2)) --rate-burst $((RATE * 2))
trap 'stop_pid "$SERVE_PID"' EXIT
echo "rt serve pid $SERVE_PID port $SERVE_PORT; $CONNS subscribers, one row at $RATE updates/s, ${SECONDS_EACH}s each"
# The server's own delivery counters so far (cumulative over the runs).
counters() {
    curl -s "http://127.0.0.1:$SERVE_PORT/metrics" |
        grep -E '^rt_(events_delivered|events_dropped|throttled_events|slow_consumer_disconnects)_total ' || true
}
# Unthrottled first: the throttle group of the second run does not exist yet, so it costs the first nothing.
"$OUT/throttle_probe" --port "$SERVE_PORT" --server-pid "$SERVE_PID" --conns "$CONNS" --rate "$RATE" --seconds "$SECONDS_EACH"
counters
"$OUT/throttle_probe" --port "$SERVE_PORT" --server-pid "$SERVE_PID" --conns "$CONNS" --rate "$RATE" --seconds "$SECONDS_EACH" --throttle "$THROTTLE"
counters
