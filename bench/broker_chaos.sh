#!/usr/bin/env bash
# Two --broker nodes on one fresh redis-server, checked by rt partition: the subscribers connect to
# node B through the fault proxy, the publisher to node A, so every event crosses Redis.
#   1. resets and a blackhole between the subscribers and B: every subscriber resumes on B;
#   2. B SIGKILLed mid-stream and started again on its port: every subscriber resumes with
#      recovered:true from the history in Redis, nothing lost or duplicated;
#   3. B cut from Redis for 4 s (an rt partition proxy between B and Redis blackholes it): B's
#      subscribers stay connected, B notices (no reply for 3 s), reconnects once the cut heals and
#      catches up from the change log: they get every change made on A meanwhile, in order.
# usage: bench/broker_chaos.sh [path/to/rt]   (default build/rt); exit 1 if a run fails
set -euo pipefail
BENCH_ROOT=$(cd "$(dirname "$0")/.." && pwd)
source "$BENCH_ROOT/bench/lib.sh"
RT=$(cd "$(dirname "${1:-$BENCH_ROOT/build/rt}")" && pwd)/$(basename "${1:-$BENCH_ROOT/build/rt}")
WORK=$(mktemp -d "${TMPDIR:-/tmp}/rt-broker-chaos.XXXXXX")
trap 'stop_pid "${A_PID:-}"; [[ -f $WORK/b.pid ]] && stop_pid "$(cat "$WORK/b.pid")"; stop_pid "${C_PID:-}"; stop_pid "${CUT_PID:-}"; stop_pid "${REDIS_PID:-}"' EXIT

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no >/dev/null &
REDIS_PID=$!
for _ in $(seq 1 100); do redis-cli -p "$port" ping >/dev/null 2>&1 && break; sleep 0.05; done
BROKER=redis://127.0.0.1:$port
start_rt_serve "$RT" --broker "$BROKER"
A_PID=$SERVE_PID A_PORT=$SERVE_PORT
start_rt_serve "$RT" --broker "$BROKER"
echo "$SERVE_PID" >"$WORK/b.pid"
B_PORT=$SERVE_PORT

common() {  # the workload both runs share
    cat <<TOML
spec = "$BENCH_ROOT/scenarios/kanban.spec"
target = "ws://127.0.0.1:$B_PORT/live"
publish_url = "ws://127.0.0.1:$A_PORT/live"
subscribers = 200
boards = 20
filter = "board"
tasks_per_board = 2
rate = "100/s"
duration = "8s"
drain_timeout = "15s"
TOML
}
{
    echo 'description = "subscribers on node B through the proxy, publisher on node A: resets and a blackhole"'
    common
    echo 'timeline = "2s reset; 4s blackhole; 5s heal; 6.5s reset"'
    printf '[client]\nbackoff_base = "100ms"\nbackoff_cap = "1s"\n[expect]\nmax_resyncs = 0\n'
} >"$WORK/faults.toml"
{
    echo 'description = "node B SIGKILLed and started again on its port; the publisher on node A goes on"'
    common
    echo "kill_cmd = \"kill -9 \$(cat $WORK/b.pid)\""
    echo "restart_cmd = \"$RT serve --spec $BENCH_ROOT/scenarios/kanban.spec --listen 127.0.0.1:$B_PORT --log-level warn --broker $BROKER 2>$WORK/b2.log & echo \$! > $WORK/b.pid\""
    echo 'timeline = "2s kill_server; 3.5s restart_server"'
    printf '[client]\nbackoff_base = "100ms"\nbackoff_cap = "1s"\n[expect]\nmax_resyncs = 0\n'
} >"$WORK/kill_node.toml"

rc=0
"$RT" partition run "$WORK/faults.toml" --quiet || rc=1
"$RT" partition run "$WORK/kill_node.toml" --quiet || rc=1

# 3. Node C reaches Redis through a proxy that cuts it from 3 s to 7 s after the run starts.
cut_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$RT" partition proxy --listen "127.0.0.1:$cut_port" --upstream "127.0.0.1:$port" --duration 60s \
    --schedule "3s blackhole; 7s heal" >/dev/null 2>"$WORK/cut.log" &
CUT_PID=$!
sleep 0.2
start_rt_serve "$RT" --broker "redis://127.0.0.1:$cut_port"
C_PID=$SERVE_PID
{
    echo 'description = "node C cut from Redis for 4 s: its subscribers get what A published meanwhile once it heals"'
    common | sed "s#127.0.0.1:$B_PORT#127.0.0.1:$SERVE_PORT#"
    echo 'timeline = "7.5s heal"'  # no fault between the subscribers and C: the cut is between C and Redis
    printf '[client]\nbackoff_base = "100ms"\nbackoff_cap = "1s"\n[expect]\nmax_resyncs = 0\n'
} >"$WORK/cut.toml"
"$RT" partition run "$WORK/cut.toml" --quiet || rc=1
grep -E "broker" "$SERVE_LOG" >&2 || true
exit $rc
