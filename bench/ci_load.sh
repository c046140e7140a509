#!/usr/bin/env bash
# CI load gate: 1,000 connections for ~3 s against a real `rt serve` on an ephemeral port,
# failing when p99 > 100 ms or any delivery is lost.
#   bench/ci_load.sh path/to/rt
# Prints the loadgen table; exit status is loadgen's (0 pass, 1 breached/failed, 2 usage).
set -euo pipefail
BENCH_ROOT=$(cd "$(dirname "$0")/.." && pwd)
source "$BENCH_ROOT/bench/lib.sh"

RT=${1:?usage: bench/ci_load.sh path/to/rt}
[[ -x $RT ]] || { echo "ci_load: $RT is not executable" >&2; exit 2; }

SERVE_PID=""
trap 'stop_pid "$SERVE_PID"' EXIT
start_rt_serve "$RT"
echo "ci_load: rt serve on port $SERVE_PORT (pid $SERVE_PID)" >&2

# 1 s warm-up (first-touch allocations, stream creation) + 2 s measured; boards workload.
set +e
"$RT" loadgen --url "ws://127.0.0.1:$SERVE_PORT/live" --conns 1000 --rate 200/s --warmup 1s --duration 2s \
    --max-p99 100ms --max-loss 0 --quiet
rc=$?
set -e
echo "ci_load: loadgen exit $rc" >&2
exit $rc
