#!/usr/bin/env bash
# Throttle figures (docs/protocol.md, "Throttled delivery"): ROWS rows (default one) updated in turn
# at RATE/s in all; CONNS unthrottled subscribers, then CONNS subscribers throttled at THROTTLE, then
# CONNS throttled and batched ("batch":true), each for SECONDS_EACH, on one rt serve: frames and
# events per subscriber per second and the server's CPU over each publishing window. With one row a
# window holds one event, so batching changes nothing; ROWS=10 shows what a batch saves.
#
#   bench/throttle.sh [RT]       (RT: the rt binary, default build/rt)
#   CONNS=1000 RATE=1000 THROTTLE=100ms SECONDS_EACH=10 ROWS=1 bench/throttle.sh
set -euo pipefail
BENCH_ROOT=$(cd "$(dirname "$0")/.." && pwd)
source "$BENCH_ROOT/bench/lib.sh"
RT=${1:-$BENCH_ROOT/build/rt}
CONNS=${CONNS:-1000}
RATE=${RATE:-1000}
THROTTLE=${THROTTLE:-100ms}
SECONDS_EACH=${SECONDS_EACH:-10}
ROWS=${ROWS:-1}
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
echo "rt serve pid $SERVE_PID port $SERVE_PORT; $CONNS subscribers, $ROWS row(s) at $RATE updates/s in all, ${SECONDS_EACH}s each"
# The server's own delivery counters so far (cumulative over the runs).
counters() {
    curl -s "http://127.0.0.1:$SERVE_PORT/metrics" |
        grep -E '^rt_(events_delivered|events_dropped|throttled_events|throttled_batches|slow_consumer_disconnects)_total ' || true
}
# Unthrottled first: the throttle group of the second run does not exist yet, so it costs the first nothing.
PROBE=("$OUT/throttle_probe" --port "$SERVE_PORT" --server-pid "$SERVE_PID" --conns "$CONNS" --rate "$RATE"
       --seconds "$SECONDS_EACH" --rows "$ROWS")
"${PROBE[@]}"
counters
"${PROBE[@]}" --throttle "$THROTTLE"
counters
# Batched after throttled: the same window's group (its seqs and history) serves both kinds of subscriber.
"${PROBE[@]}" --throttle "$THROTTLE" --batch 1
counters
