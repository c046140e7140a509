# Shared helpers for the bench scripts (sourced, not run).
# start_rt_serve RT [serve flags...]: starts `rt serve` on an ephemeral loopback port in the
# background; sets SERVE_PID and SERVE_PORT. Bounded wait (10 s) for the "listening on" line.
# SERVE_WRAPPER (an array, e.g. (heaptrack -o FILE)) runs the server under a tool; SERVE_PID is
# then the tool's process.
# SERVE_SPEC: the spec to serve (default scenarios/kanban.spec).
start_rt_serve() {
    local rt=$1; shift
    SERVE_LOG=$(mktemp "${TMPDIR:-/tmp}/rt-serve.XXXXXX")
    ${SERVE_WRAPPER[@]+"${SERVE_WRAPPER[@]}"} "$rt" serve --spec "${SERVE_SPEC:-$BENCH_ROOT/scenarios/kanban.spec}" --listen 127.0.0.1:0 --log-level warn "$@" 2>"$SERVE_LOG" &
    SERVE_PID=$!
    SERVE_PORT=""
    for _ in $(seq 1 200); do
        SERVE_PORT=$(sed -n 's#.*listening on wss\{0,1\}://127\.0\.0\.1:\([0-9]*\)/.*#\1#p' "$SERVE_LOG" | head -1)
        [[ -n $SERVE_PORT ]] && return 0
        kill -0 "$SERVE_PID" 2>/dev/null || break
        sleep 0.05
    done
    echo "bench: rt serve did not start:" >&2
    cat "$SERVE_LOG" >&2
    return 1
}

# stop_pid PID: SIGTERM, then SIGKILL after 5 s; never leaves the process behind. Safe under
# set -e, also for a PID that is not a child of this shell.
stop_pid() {
    local pid=$1
    [[ -z $pid ]] && return 0
    kill "$pid" 2>/dev/null || return 0
    for _ in $(seq 1 100); do
        kill -0 "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null || true; return 0; }
        sleep 0.05
    done
    kill -9 "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null || true
    return 0
}

# rss_kib PID: resident set size in KiB (from /proc).
rss_kib() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }
