#!/usr/bin/env bash
# The two figures of the rt serve issue, measured in one run on loopback:
#   1. publish → the last of N subscribers receiving the event (broadcast to one stream), and
#   2. server memory per idle connection (RSS with N connections open − RSS before) / N.
# usage: bench/serve_figures.sh [path/to/rt] [connections] [--tls] [--sse]   (defaults: build/rt, 10000)
# --tls: the same run over wss:// (rt serve --tls-cert, loadgen --ca), certificates made for the
# run by the openssl CLI (an EC P-256 key, as most deployments use today).
# --sse: the subscribers on SSE streams (loadgen --transport sse; rt_connections counts them too).
set -euo pipefail
BENCH_ROOT=$(cd "$(dirname "$0")/.." && pwd)
source "$BENCH_ROOT/bench/lib.sh"
RT=${1:-$BENCH_ROOT/build/rt}
N=${2:-10000}
TLS="" transport=websocket
for opt in "${@:3}"; do
    case $opt in
        --tls) TLS=--tls ;;
        --sse) transport=sse ;;
        *) echo "usage: bench/serve_figures.sh [path/to/rt] [connections] [--tls] [--sse]" >&2; exit 2 ;;
    esac
done
# RAMP=500/s: open connections slower than loadgen's default (TLS handshakes cost CPU on both ends).
ramp=()
[[ -n ${RAMP:-} ]] && ramp=(--ramp "$RAMP")
trap 'stop_pid "${LG_PID:-}"; stop_pid "${SERVE_PID:-}"' EXIT

scheme=ws http_scheme=http serve_tls=() client_tls=() curl_tls=()
if [[ $TLS == --tls ]]; then
    certs=$(mktemp -d "${TMPDIR:-/tmp}/rt-figures-tls.XXXXXX")
    (cd "$certs" &&
        openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout ca.key -out ca.pem -days 1 -subj /CN=bench-ca &&
        openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout server.key -out server.csr -subj /CN=rt &&
        printf 'subjectAltName=IP:127.0.0.1\n' >san.ext &&
        openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out server.pem -days 1 -extfile san.ext) 2>/dev/null
    scheme=wss http_scheme=https
    serve_tls=(--tls-cert "$certs/server.pem" --tls-key "$certs/server.key")
    client_tls=(--ca "$certs/ca.pem")
    curl_tls=(--cacert "$certs/ca.pem")
fi

start_rt_serve "$RT" "${serve_tls[@]}"
rss0=$(rss_kib "$SERVE_PID")
out=$(mktemp "${TMPDIR:-/tmp}/rt-figures.XXXXXX")
# 10 broadcast events, one per second, after the connections are up.
"$RT" loadgen --url "$scheme://127.0.0.1:$SERVE_PORT/live" --transport "$transport" "${client_tls[@]}" "${ramp[@]}" --conns "$N" --fanout all --rate 1/s --duration 10s \
    --quiet --json "$out.json" >"$out.txt" 2>&1 &
LG_PID=$!
# Idle RSS: sample once every connection is open and subscribed, before much has been published.
peak=0
for _ in $(seq 1 600); do
    conns=$(curl -s "${curl_tls[@]}" "$http_scheme://127.0.0.1:$SERVE_PORT/metrics" | awk '/^rt_connections / {print $2}')
    if [[ ${conns:-0} -ge $((N + 1)) ]]; then peak=$(rss_kib "$SERVE_PID"); break; fi
    kill -0 "$LG_PID" 2>/dev/null || break
    sleep 0.1
done
wait "$LG_PID" || true
LG_PID=""
cat "$out.txt"
python3 - "$out.json" "$N" "$rss0" "$peak" "$scheme $transport" <<'PY'
import json, sys
r = json.load(open(sys.argv[1])); n = int(sys.argv[2]); rss0 = int(sys.argv[3]); peak = int(sys.argv[4])
lat = r["latency_us"]
def ms(key): return lat[key] / 1000.0
print(f"{sys.argv[5]}: figure 1: publish -> last of {n} subscribers: max {ms('max'):.1f} ms, p99 {ms('p99'):.1f} ms, p50 {ms('p50'):.1f} ms (broadcast, 10 events)")
if peak:
    print(f"{sys.argv[5]}: figure 2: server RSS {rss0} KiB idle -> {peak} KiB with {n} connections: {(peak - rss0) / n:.1f} KiB per connection")
PY
