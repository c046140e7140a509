#!/usr/bin/env bash
# Memory held by replay buffers when 1,000 streams each hold a full buffer (100 events).
# Fills 1,000 board streams with rt loadgen (random boards, enough events that every board gets
# more than 100), then reads rt_replay_buffered_* from /metrics and the server's RSS.
# usage: bench/replay_memory.sh [path/to/rt] [streams] [rate] [duration]
set -euo pipefail
BENCH_ROOT=$(cd "$(dirname "$0")/.." && pwd)
source "$BENCH_ROOT/bench/lib.sh"
RT=${1:-$BENCH_ROOT/build/rt}
STREAMS=${2:-1000}
RATE=${3:-4000/s}
DURATION=${4:-45s}
trap 'stop_pid "${SERVE_PID:-}"' EXIT

# A long replay age so the buffers are bounded by count (100), not by age, during the fill.
start_rt_serve "$RT" --replay-age 10m
rss0=$(rss_kib "$SERVE_PID")
"$RT" loadgen --url "ws://127.0.0.1:$SERVE_PORT/live" --conns "$STREAMS" --boards "$STREAMS" --rate "$RATE" \
    --duration "$DURATION" --quiet | grep -E "rt loadgen|deliveries|completeness|latency  "
metrics=$(curl -s "http://127.0.0.1:$SERVE_PORT/metrics")
events=$(awk '/^rt_replay_buffered_events / {print $2}' <<<"$metrics")
bytes=$(awk '/^rt_replay_buffered_bytes / {print $2}' <<<"$metrics")
streams=$(awk '/^rt_streams / {print $2}' <<<"$metrics")
rss1=$(rss_kib "$SERVE_PID")
echo "streams $streams, buffered events $events (full = $((STREAMS * 100)))"
echo "replay buffers: $bytes bytes accounted ($((bytes / 1024)) KiB, $((bytes / (events > 0 ? events : 1))) B per event)"
echo "server RSS: $rss0 KiB at start -> $rss1 KiB after the fill (connections closed)"
