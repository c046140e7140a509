#!/usr/bin/env bash
# What --broker costs per publish, against the single-node path, in one run: the same loadgen
# (boards workload, N connections, a fixed rate) against one node without a broker, then one node
# with --broker on a fresh redis-server (no persistence). Prints loadgen's latency and the CPU
# seconds the server (and Redis) used during each run.
# usage: bench/broker_cost.sh [path/to/rt] [connections] [rate] [duration]   (defaults: build/rt 1000 500/s 20s)
set -euo pipefail
BENCH_ROOT=$(cd "$(dirname "$0")/.." && pwd)
source "$BENCH_ROOT/bench/lib.sh"
RT=${1:-$BENCH_ROOT/build/rt}
N=${2:-1000}
RATE=${3:-500/s}
DURATION=${4:-20s}
trap 'stop_pid "${SERVE_PID:-}"; stop_pid "${REDIS_PID:-}"' EXIT

# CPU seconds (user + system) a process has used so far.
cpu_s() { awk -v hz="$(getconf CLK_TCK)" '{print ($14 + $15) / hz}' "/proc/$1/stat"; }

run() {  # run LABEL [serve flags...]
    local label=$1; shift
    start_rt_serve "$RT" "$@"
    local s0 r0=0
    s0=$(cpu_s "$SERVE_PID")
    [[ -n ${REDIS_PID:-} ]] && r0=$(cpu_s "$REDIS_PID")
    "$RT" loadgen --url "ws://127.0.0.1:$SERVE_PORT/live" --conns "$N" --rate "$RATE" --duration "$DURATION" \
        --json "/tmp/broker_cost_$label.json" >/dev/null 2>"/tmp/broker_cost_$label.err" || true
    local s1 r1=0
    s1=$(cpu_s "$SERVE_PID")
    [[ -n ${REDIS_PID:-} ]] && r1=$(cpu_s "$REDIS_PID")
    stop_pid "$SERVE_PID"
    SERVE_PID=""
    python3 - "$label" "/tmp/broker_cost_$label.json" "$s0" "$s1" "$r0" "$r1" <<'PY'
import json, sys
label, path, s0, s1, r0, r1 = sys.argv[1], sys.argv[2], *map(float, sys.argv[3:])
r = json.load(open(path))
lat, pub, d = r["latency_us"], r["publish"], r["deliveries"]
print(f"{label:7} publishes acked {pub['acked']}/{pub['scheduled']}, delivered {d['delivered']}/{d['expected']} "
      f"(lost {d['lost']}, dup {d['duplicated']}, out of order {d['out_of_order']}); latency p50 {lat['p50']/1000:.2f} ms, "
      f"p99 {lat['p99']/1000:.2f} ms, max {lat['max']/1000:.2f} ms; CPU: server {s1-s0:.2f} s, redis {r1-r0:.2f} s "
      f"= {(s1-s0)*1e6/max(pub['acked'],1):.0f} + {(r1-r0)*1e6/max(pub['acked'],1):.0f} us per publish")
PY
}

run single
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no >/dev/null &
REDIS_PID=$!
for _ in $(seq 1 100); do redis-cli -p "$port" ping >/dev/null 2>&1 && break; sleep 0.05; done
run broker --broker "redis://127.0.0.1:$port"
