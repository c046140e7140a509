#!/usr/bin/env bash
# Soak (issue 12): one rt serve on loopback, `rt loadgen` boards workload with many connections and
# churn (each churned connection resumes with since) for a long run. Prints:
#   - the server's RSS every 10 s (the series), start/peak/end, and the least-squares slope in
#     KiB/min over the samples after the warm-up (from the loadgen's start);
#   - the server's open fds (/proc/PID/fd) before the loadgen and after it left;
#   - the loadgen's lost/duplicated/out-of-order counts and churn figures (from its --json).
# Exit status 1 when deliveries were lost or duplicated, fds leaked, or the loadgen failed.
# usage: bench/soak.sh [--rt PATH] [--duration 10m] [--conns 10000] [--churn 5%/min] [--rate 200/s]
#                      [--warmup-s 60] [--heaptrack]
# --heaptrack: a shorter run (defaults 90s, 2,000 connections) with the server under heaptrack;
# prints heaptrack's summary (peak heap, peak RSS, leaked, top peak allocators) instead of failing
# on RSS. Settable as usual with the flags above.
set -euo pipefail
BENCH_ROOT=$(cd "$(dirname "$0")/.." && pwd)
source "$BENCH_ROOT/bench/lib.sh"
RT=$BENCH_ROOT/build/rt
DURATION="" CONNS="" CHURN=5%/min RATE=200/s WARMUP_S=60 HEAPTRACK=0
SAMPLE_S=10        # the RSS sampling period the issue asks for
FD_SETTLE_S=15     # closes finish asynchronously: wait this long for the fd count to come back
usage() { sed -n 's/^# usage: //p; s/^#  *\(\[--.*\)/\1/p' "$0" >&2; exit 2; }
while (($#)); do
    case $1 in
        --rt) RT=$2; shift 2 ;;
        --duration) DURATION=$2; shift 2 ;;
        --conns) CONNS=$2; shift 2 ;;
        --churn) CHURN=$2; shift 2 ;;
        --rate) RATE=$2; shift 2 ;;
        --warmup-s) WARMUP_S=$2; shift 2 ;;
        --heaptrack) HEAPTRACK=1; shift ;;
        *) usage ;;
    esac
done
if ((HEAPTRACK)); then : "${DURATION:=90s}" "${CONNS:=2000}"; else : "${DURATION:=10m}" "${CONNS:=10000}"; fi
[[ $CONNS =~ ^[0-9]+$ && $WARMUP_S =~ ^[0-9]+$ ]] || usage

work=$(mktemp -d "${TMPDIR:-/tmp}/rt-soak.XXXXXX")
trap 'kill ${SAMPLER_PID:-} 2>/dev/null || true; stop_pid "${SERVER_PID:-}"; stop_pid "${SERVE_PID:-}"; rm -rf "$work"' EXIT
trap 'exit 130' INT TERM  # so that the EXIT trap runs

SERVE_WRAPPER=()
((HEAPTRACK)) && SERVE_WRAPPER=(heaptrack -o "$work/heaptrack.rt")
start_rt_serve "$RT"
SERVER_PID=$SERVE_PID
if ((HEAPTRACK)); then  # SERVE_PID is heaptrack's script: the server is the child running $RT
    rt_exe=$(readlink -f "$RT")
    for c in $(ps -o pid= --ppid "$SERVE_PID"); do
        [[ $(readlink -f "/proc/$c/exe") == "$rt_exe" ]] && SERVER_PID=$c
    done
    [[ $SERVER_PID != "$SERVE_PID" ]] || { echo "soak: no rt serve under heaptrack" >&2; exit 1; }
fi
fds() { find "/proc/$SERVER_PID/fd" -mindepth 1 -maxdepth 1 2>/dev/null | wc -l; }

echo "soak: rt serve pid $SERVER_PID on port $SERVE_PORT; loadgen: $CONNS connections, boards, $RATE," \
     "churn $CHURN, $DURATION; $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
FDS_BEFORE=$(fds)
START=$(date +%s)
# The sampler: "seconds-since-start rss-KiB" every SAMPLE_S until the server goes.
(while kill -0 "$SERVER_PID" 2>/dev/null; do
     echo "$(($(date +%s) - START)) $(rss_kib "$SERVER_PID")"
     sleep "$SAMPLE_S"
 done >"$work/rss") &
SAMPLER_PID=$!

set +e
"$RT" loadgen --url "ws://127.0.0.1:$SERVE_PORT/live" --conns "$CONNS" --boards $((CONNS / 10)) --rate "$RATE" \
    --duration "$DURATION" --churn "$CHURN" --max-loss 0 --max-dup 0 --json "$work/loadgen.json" \
    >"$work/loadgen.out" 2>"$work/loadgen.err"
LOADGEN_RC=$?
set -e
LOADGEN_END=$(($(date +%s) - START))
for _ in $(seq 1 $((FD_SETTLE_S * 2))); do
    (($(fds) <= FDS_BEFORE)) && break
    sleep 0.5
done
FDS_AFTER=$(fds)
RSS_AFTER=$(rss_kib "$SERVER_PID")
kill "$SAMPLER_PID" 2>/dev/null; wait "$SAMPLER_PID" 2>/dev/null || true; SAMPLER_PID=""

echo "== loadgen (exit $LOADGEN_RC)"
cat "$work/loadgen.out"
[[ -s $work/loadgen.json ]] || { echo "soak: no loadgen JSON:"; tail -5 "$work/loadgen.err"; exit 1; }

echo "== server RSS every ${SAMPLE_S}s (seconds KiB)"
tr '\n' ';' <"$work/rss" | sed 's/;$/\n/; s/;/; /g'
# Least squares over the samples from WARMUP_S on while the loadgen ran: slope in KiB/min.
awk -v from="$WARMUP_S" -v to="$LOADGEN_END" -v after="$RSS_AFTER" '
    NR == 1 { start = $2 } { if ($2 > peak) peak = $2; end = $2 }
    $1 >= from && $1 <= to { n++; sx += $1; sy += $2; sxx += $1 * $1; sxy += $1 * $2 }
    END {
        printf "RSS start %d KiB, peak %d KiB, end of run %d KiB, after the loadgen left %d KiB\n", start, peak, end, after
        if (n >= 3) printf "RSS slope %.1f KiB/min over %d samples (t %ds..%ds)\n", (n * sxy - sx * sy) / (n * sxx - sx * sx) * 60, n, from, to
        else print "RSS slope: fewer than 3 samples after the warm-up (run longer or lower --warmup-s)"
    }' "$work/rss"
echo "server fds before $FDS_BEFORE, after $FDS_AFTER"
jq -r '"deliveries \(.deliveries.delivered)/\(.deliveries.expected): lost \(.deliveries.lost), duplicated \(.deliveries.duplicated), out of order \(.deliveries.out_of_order)",
       "churn \(.churn.reconnects) reconnects: \(.churn.recovered) recovered, \(.churn.resynced) resynced (\(.churn.skipped) events skipped, \(.churn.left_out) left out), \(.churn.failed) failed; reconnect p50 \(.churn.reconnect_us.p50)us p99 \(.churn.reconnect_us.p99)us",
       "connections \(.connections.subscribed)/\(.connections.asked) subscribed, \(.connections.failed) failed, \(.connections.dropped) dropped; server drops \(.server)"' \
    "$work/loadgen.json"

if ((HEAPTRACK)); then
    # The server is heaptrack's child, not ours: stop it, then wait (bounded) for heaptrack to
    # finish writing the profile.
    kill "$SERVER_PID" 2>/dev/null || true; SERVER_PID=""
    for _ in $(seq 1 600); do kill -0 "$SERVE_PID" 2>/dev/null || break; sleep 0.1; done
    stop_pid "$SERVE_PID" || true; SERVE_PID=""
    profile=$(ls "$work"/heaptrack.rt* | head -1)
    echo "== heaptrack ($profile)"
    heaptrack_print -f "$profile" -m 0 -p 1 -a 0 -l 0 -T 0 -n 12 >"$work/heaptrack.txt" 2>&1 || true
    grep -E "^(total runtime|calls to allocation|temporary memory|peak heap memory|peak RSS|total memory leaked)" \
        "$work/heaptrack.txt" || true
    echo "-- top peak allocators (size, calls: allocating function <- innermost frame in this repository)"
    awk -v root="$BENCH_ROOT/" '
        /peak memory consumed over/ { head = $1 " over " $6 " calls"; want = 1; inner = ""; next }
        { line = $0; sub(/^ +/, "", line) }
        want && inner == "" && line !~ /^(at|in) / { inner = line }
        want && index(line, "at " root) == 1 {
            print "  " head ": " inner " <- " fn " (" substr(line, length(root) + 4) ")"; want = 0 }
        { fn = line }' "$work/heaptrack.txt" | cut -c1-220 | head -8
fi

status=0
lost=$(jq .deliveries.lost "$work/loadgen.json"); dup=$(jq .deliveries.duplicated "$work/loadgen.json")
((lost == 0 && dup == 0)) || { echo "soak: FAIL: $lost lost, $dup duplicated"; status=1; }
((FDS_AFTER <= FDS_BEFORE)) || { echo "soak: FAIL: server fds $FDS_BEFORE -> $FDS_AFTER"; status=1; }
((LOADGEN_RC == 0)) || { echo "soak: FAIL: rt loadgen exited $LOADGEN_RC: $(tail -1 "$work/loadgen.err")"; status=1; }
((status == 0)) && echo "soak: PASS"
exit $status
