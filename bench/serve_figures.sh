#!/usr/bin/env bash
# The two figures of the rt serve issue, measured in one run on loopback:
#   1. publish → the last of N subscribers receiving the event (broadcast to one stream), and
#   2. server memory per idle connection (RSS with N connections open − RSS before) / N.
# usage: bench/serve_figures.sh [path/to/rt] [connections]   (defaults: build/rt, 10000)
set -euo pipefail
BENCH_ROOT=$(cd "$(dirname "$0")/.." && pwd)
source "$BENCH_ROOT/bench/lib.sh"
RT=${1:-$BENCH_ROOT/build/rt}
N=${2:-10000}
trap 'stop_pid "${LG_PID:-}"; stop_pid "${SERVE_PID:-}"' EXIT

start_rt_serve "$RT"
rss0=$(rss_kib "$SERVE_PID")
out=$(mktemp "${TMPDIR:-/tmp}/rt-figures.XXXXXX")
# 10 broadcast events, one per second, after the connections are up.
"$RT" loadgen --url "ws://127.0.0.1:$SERVE_PORT/live" --conns "$N" --fanout all --rate 1/s --duration 10s \
    --quiet --json "$out.json" >"$out.txt" 2>&1 &
LG_PID=$!
# Idle RSS: sample once every connection is open and subscribed, before much has been published.
peak=0
for _ in $(seq 1 600); do
    conns=$(curl -s "http://127.0.0.1:$SERVE_PORT/metrics" | awk '/^rt_connections / {print $2}')
    if [[ ${conns:-0} -ge $((N + 1)) ]]; then peak=$(rss_kib "$SERVE_PID"); break; fi
    kill -0 "$LG_PID" 2>/dev/null || break
    sleep 0.1
done
wait "$LG_PID" || true
LG_PID=""
cat "$out.txt"
python3 - "$out.json" "$N" "$rss0" "$peak" <<'PY'
import json, sys
r = json.load(open(sys.argv[1])); n = int(sys.argv[2]); rss0 = int(sys.argv[3]); peak = int(sys.argv[4])
lat = r["latency_us"]
def ms(key): return lat[key] / 1000.0
print(f"figure 1: publish -> last of {n} subscribers: max {ms('max'):.1f} ms, p99 {ms('p99'):.1f} ms, p50 {ms('p50'):.1f} ms (broadcast, 10 events)")
if peak:
    print(f"figure 2: server RSS {rss0} KiB idle -> {peak} KiB with {n} connections: {(peak - rss0) / n:.1f} KiB per connection")
PY
