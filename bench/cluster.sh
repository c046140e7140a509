#!/usr/bin/env bash
# A loopback cluster for `rt loadgen`: starts redis-server and N `rt serve --broker redis://…`
# nodes on free loopback ports, runs `rt loadgen` with the given arguments against every node
# (one --url per node), prints its report, and stops what it started (by PID), whatever happens.
#
#   bench/cluster.sh [--rt build/rt] [--nodes 3] [--no-broker] [--redis-arg ARG]... [--serve-arg ARG]...
#                    [--] LOADGEN_ARGS...
#
#   bench/cluster.sh --nodes 3 -- --workers 2 --conns 30000 --rate 1000/s --duration 10s --max-p99 100ms
#   bench/cluster.sh --no-broker --nodes 2 -- --workers 2 --conns 24000 --rate 1000/s --duration 10s
#
# --no-broker: independent nodes, no Redis; loadgen gets --publish-to same (each stream, its
# subscribers and its publishes on one node), which is the only meaningful run across nodes that
# share nothing. Without it the nodes share their streams through Redis and loadgen spreads each
# stream over every node (--publish-to any, its default). Redis runs without persistence
# (--save '' --appendonly no) unless --redis-arg says otherwise (e.g. --redis-arg --appendonly
# --redis-arg yes). --serve-arg passes a flag to every rt serve (e.g. --serve-arg --threads=2).
# Exit status: loadgen's (0 pass, 1 breached or failed, 2 usage); 2 also when this script cannot
# set the cluster up (rt serve without --broker, no redis-server).
set -euo pipefail
BENCH_ROOT=$(cd "$(dirname "$0")/.." && pwd)
source "$BENCH_ROOT/bench/lib.sh"

RT=$BENCH_ROOT/build/rt NODES=3 BROKER=1
REDIS_ARGS=() SERVE_ARGS=()
usage() {
    echo "usage: bench/cluster.sh [--rt PATH] [--nodes N] [--no-broker] [--redis-arg ARG]... [--serve-arg ARG]... [--] LOADGEN_ARGS..." >&2
    exit 2
}
while (($#)); do
    case $1 in
        --rt) RT=$2; shift 2 ;;
        --nodes) NODES=$2; shift 2 ;;
        --no-broker) BROKER=0; shift ;;
        --redis-arg) REDIS_ARGS+=("$2"); shift 2 ;;
        --serve-arg) SERVE_ARGS+=("$2"); shift 2 ;;
        --) shift; break ;;
        -h|--help) usage ;;
        *) break ;;  # the loadgen arguments start here
    esac
done
[[ $NODES =~ ^[1-9][0-9]?$ ]] || { echo "cluster: --nodes: expected 1..99, got '$NODES'" >&2; exit 2; }
[[ -x $RT ]] || { echo "cluster: $RT is not executable (build first: cmake --build build --target rt)" >&2; exit 2; }
if ((BROKER)); then
    # The help read whole first: grep -q would quit at the first match, and rt's SIGPIPE would fail the pipe.
    if ! grep -q -- '--broker' <<<"$("$RT" serve --help 2>/dev/null)"; then
        echo "cluster: $RT serve has no --broker option (the Redis broker has not landed in this build);" >&2
        echo "cluster: run independent nodes with --no-broker (loadgen gets --publish-to same)" >&2
        exit 2
    fi
    command -v redis-server >/dev/null || { echo "cluster: redis-server not found (apt-get install redis-server)" >&2; exit 2; }
    ((${#REDIS_ARGS[@]})) || REDIS_ARGS=(--save '' --appendonly no)
fi

REDIS_PID="" REDIS_PORT="" NODE_PIDS=() NODE_LOGS=() REDIS_LOG=""
cleanup() {
    local pid
    for pid in "${NODE_PIDS[@]}"; do stop_pid "$pid"; done
    stop_pid "$REDIS_PID"
    rm -f "${NODE_LOGS[@]}" "$REDIS_LOG"
}
trap cleanup EXIT

# Redis on a free loopback port below the ephemeral range (32768-60999, which the load
# generator's connections use): a random one, tried again when taken. Bounded: 10 tries, 5 s each.
start_redis() {
    REDIS_LOG=$(mktemp "${TMPDIR:-/tmp}/rt-cluster-redis.XXXXXX")
    local try port
    for try in $(seq 1 10); do
        port=$((20000 + RANDOM % 12000))
        redis-server --bind 127.0.0.1 --port "$port" "${REDIS_ARGS[@]}" >"$REDIS_LOG" 2>&1 &
        REDIS_PID=$!
        for _ in $(seq 1 100); do
            if grep -q 'Ready to accept connections' "$REDIS_LOG"; then REDIS_PORT=$port; return 0; fi
            kill -0 "$REDIS_PID" 2>/dev/null || break
            sleep 0.05
        done
        stop_pid "$REDIS_PID"
        REDIS_PID=""
        grep -q 'Address already in use' "$REDIS_LOG" || break
    done
    echo "cluster: redis-server did not start:" >&2
    tail -5 "$REDIS_LOG" >&2
    return 1
}

URLS=()
if ((BROKER)); then
    start_redis || exit 2
    echo "cluster: redis-server on 127.0.0.1:$REDIS_PORT (pid $REDIS_PID, ${REDIS_ARGS[*]@Q})" >&2
fi
for n in $(seq 1 "$NODES"); do
    broker=()
    ((BROKER)) && broker=(--broker "redis://127.0.0.1:$REDIS_PORT")
    start_rt_serve "$RT" "${broker[@]}" ${SERVE_ARGS[@]+"${SERVE_ARGS[@]}"} || exit 2
    NODE_PIDS+=("$SERVE_PID")
    NODE_LOGS+=("$SERVE_LOG")
    URLS+=(--url "ws://127.0.0.1:$SERVE_PORT/live")
    echo "cluster: node $n: rt serve on ws://127.0.0.1:$SERVE_PORT/live (pid $SERVE_PID)" >&2
done

mode=()
((BROKER)) || mode=(--publish-to same)
echo "cluster: $RT loadgen ${URLS[*]} ${mode[*]} $*" >&2
set +e
"$RT" loadgen "${URLS[@]}" ${mode[@]+"${mode[@]}"} "$@"
rc=$?
set -e
echo "cluster: loadgen exit $rc" >&2
exit $rc
