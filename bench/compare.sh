#!/usr/bin/env bash
# Side by side: the same `rt loadgen` workloads against `rt serve` and against a Node.js peer built
# on the `ws` package (bench/peer/ws_peer.js), on this machine, one run each, plus the raw-socket
# fan-out floor (bench/fanout_probe.cpp). Prints both results and their ratio (rt / ws: below 1 is
# better for latency and memory, above 1 for rates).
#
#   bench/compare.sh [--rt build/rt] [--conns 10000] [--duration 10s] [--boards-rate 1000/s]
#                    [--broadcast-rate 1/s] [--sweep] [--skip-probe]
#
# --sweep also searches, per server and workload, the highest publish rate whose p99 stays under
# 100 ms with nothing lost (rates doubled from a start, 5 s each; slow). The ws package is
# installed with npm into bench/node_modules (ignored by git). JSON reports go to bench/out/.
set -euo pipefail
BENCH_ROOT=$(cd "$(dirname "$0")/.." && pwd)
source "$BENCH_ROOT/bench/lib.sh"
cd "$BENCH_ROOT"

RT=build/rt CONNS=10000 DURATION=10s BOARDS_RATE=1000/s BCAST_RATE=1/s SWEEP=0 PROBE=1
while (($#)); do
    case $1 in
        --rt) RT=$2; shift 2 ;;
        --conns) CONNS=$2; shift 2 ;;
        --duration) DURATION=$2; shift 2 ;;
        --boards-rate) BOARDS_RATE=$2; shift 2 ;;
        --broadcast-rate) BCAST_RATE=$2; shift 2 ;;
        --sweep) SWEEP=1; shift ;;
        --skip-probe) PROBE=0; shift ;;
        *) echo "usage: bench/compare.sh [--rt PATH] [--conns N] [--duration D] [--boards-rate R] [--broadcast-rate R] [--sweep] [--skip-probe]" >&2; exit 2 ;;
    esac
done
[[ -x $RT ]] || { echo "compare: $RT is not executable (build first)" >&2; exit 2; }
command -v node >/dev/null || { echo "compare: node is needed for the peer server" >&2; exit 2; }
if [[ ! -d bench/node_modules/ws ]]; then
    echo "compare: installing ws into bench/node_modules" >&2
    npm install --prefix bench --no-audit --no-fund --silent >&2
fi
mkdir -p bench/out

SERVE_PID=""
PEER_PID=""
trap 'stop_pid "$SERVE_PID"; stop_pid "$PEER_PID"' EXIT

# start_server rt|ws: sets SRV_PID and SRV_PORT.
start_server() {
    if [[ $1 == rt ]]; then
        start_rt_serve "$RT"
        SRV_PID=$SERVE_PID SRV_PORT=$SERVE_PORT
    else
        local log
        log=$(mktemp "${TMPDIR:-/tmp}/ws-peer.XXXXXX")
        node bench/peer/ws_peer.js --port 0 2>"$log" &
        PEER_PID=$!
        SRV_PID=$PEER_PID SRV_PORT=""
        for _ in $(seq 1 200); do
            SRV_PORT=$(sed -n 's#.*listening on ws://127\.0\.0\.1:\([0-9]*\)/.*#\1#p' "$log" | head -1)
            [[ -n $SRV_PORT ]] && break
            sleep 0.05
        done
        [[ -n $SRV_PORT ]] || { echo "compare: ws_peer did not start" >&2; cat "$log" >&2; exit 1; }
    fi
}
stop_server() {
    stop_pid "$SRV_PID"
    SERVE_PID="" PEER_PID=""
}

# run_load SERVER NAME LOADGEN-ARGS...: one loadgen run against a fresh server; writes
# bench/out/NAME.json (with the server's RSS added) and prints the table on stderr.
run_load() {
    local server=$1 name=$2; shift 2
    start_server "$server"
    local idle peak=0 rss
    idle=$(rss_kib "$SRV_PID")
    "$RT" loadgen --url "ws://127.0.0.1:$SRV_PORT/live" --quiet --json "bench/out/$name.json" "$@" >"bench/out/$name.txt" 2>&1 &
    local lg=$!
    while kill -0 "$lg" 2>/dev/null; do
        rss=$(rss_kib "$SRV_PID")
        ((rss > peak)) && peak=$rss
        sleep 0.2
    done
    wait "$lg" || true
    stop_server
    node -e '
        const fs = require("fs"); const f = process.argv[1];
        const j = JSON.parse(fs.readFileSync(f, "utf8"));
        j.server_rss = { idle_kib: +process.argv[2], peak_kib: +process.argv[3] };
        fs.writeFileSync(f, JSON.stringify(j, null, 2));' "bench/out/$name.json" "$idle" "$peak" 2>/dev/null || true
    echo "== $server: $name" >&2
    cat "bench/out/$name.txt" >&2
}

# sweep SERVER NAME START_RATE LOADGEN-ARGS...: doubles the rate until p99 >= 100 ms or a loss;
# prints the highest passing rate.
sweep() {
    local server=$1 name=$2 rate=$3; shift 3
    local best=0
    for _ in $(seq 1 8); do
        run_load "$server" "$name-sweep-$rate" --rate "$rate/s" --duration 5s --warmup 1s \
            --max-p99 100ms --max-loss 0 "$@" 2>/dev/null || true
        if node -e 'const j=require(process.argv[1]); process.exit(j.ok ? 0 : 1)' "$BENCH_ROOT/bench/out/$name-sweep-$rate.json" 2>/dev/null; then
            best=$rate
            rate=$((rate * 2))
        else
            break
        fi
    done
    echo "$best"
}

BOARDS_ARGS=(--conns "$CONNS" --boards $((CONNS / 10)) --rate "$BOARDS_RATE" --duration "$DURATION" --warmup 2s)
BCAST_ARGS=(--conns "$CONNS" --fanout all --rate "$BCAST_RATE" --duration "$DURATION" --warmup 1s)

for server in rt ws; do
    run_load "$server" "$server-boards" "${BOARDS_ARGS[@]}"
    run_load "$server" "$server-broadcast" "${BCAST_ARGS[@]}"
done

FLOOR_US=""
if ((PROBE)); then
    g++ -O2 -std=c++17 -o bench/out/fanout_probe bench/fanout_probe.cpp
    # ~250 bytes: the size of a loadgen event frame with no extra payload.
    bench/out/fanout_probe --conns "$CONNS" --bytes 250 --rounds 10 | tee bench/out/fanout_probe.txt
    FLOOR_US=$(sed -n 's/^FLOOR_US //p' bench/out/fanout_probe.txt)
fi

declare -A MAXRATE
if ((SWEEP)); then
    for server in rt ws; do
        MAXRATE[$server-boards]=$(sweep "$server" "$server-boards" 1000 --conns "$CONNS" --boards $((CONNS / 10)))
        MAXRATE[$server-broadcast]=$(sweep "$server" "$server-broadcast" 1 --conns "$CONNS" --fanout all)
    done
fi

node - "$BENCH_ROOT/bench/out" "$CONNS" "${FLOOR_US:-0}" \
    "${MAXRATE[rt-boards]:-}" "${MAXRATE[ws-boards]:-}" "${MAXRATE[rt-broadcast]:-}" "${MAXRATE[ws-broadcast]:-}" <<'JS'
const [dir, conns, floorUs, rtB, wsB, rtC, wsC] = process.argv.slice(2);
const load = (n) => { try { return require(`${dir}/${n}.json`); } catch (e) { return null; } };
const ms = (us) => (us / 1000).toFixed(us < 10000 ? 2 : 1) + ' ms';
const ratio = (a, b) => (b > 0 ? (a / b).toFixed(2) + 'x' : 'n/a');
const rows = [];
for (const wl of ['boards', 'broadcast']) {
  const r = load(`rt-${wl}`), w = load(`ws-${wl}`);
  if (!r || !w) { rows.push([wl, 'missing run', '', '']); continue; }
  const perConn = (j) => (j.server_rss ? ((j.server_rss.peak_kib - j.server_rss.idle_kib) / +conns).toFixed(1) : NaN);
  const add = (label, a, b, fmt) => rows.push([`${wl}: ${label}`, fmt(a), fmt(b), ratio(a, b)]);
  add('p50 latency', r.latency_us.p50, w.latency_us.p50, ms);
  add('p99 latency', r.latency_us.p99, w.latency_us.p99, ms);
  add('p99.9 latency', r.latency_us.p999, w.latency_us.p999, ms);
  add('max latency', r.latency_us.max, w.latency_us.max, ms);
  add('lost deliveries', r.deliveries.lost, w.deliveries.lost, String);
  add('connections subscribed', r.connections.subscribed, w.connections.subscribed, String);
  add('connect p99', r.connections.connect_us.p99, w.connections.connect_us.p99, ms);
  add('server RSS per connection (KiB)', +perConn(r), +perConn(w), String);
  if (wl === 'broadcast' && +floorUs > 0)
    rows.push([`broadcast: p99 / raw fan-out floor (${ms(+floorUs)})`, ratio(r.latency_us.p99, +floorUs), ratio(w.latency_us.p99, +floorUs), '']);
}
if (rtB !== '' && rtB !== undefined) {
  rows.push(['boards: max rate with p99 < 100 ms, no loss', rtB + '/s', wsB + '/s', ratio(+rtB, +wsB)]);
  rows.push(['broadcast: max rate with p99 < 100 ms, no loss', rtC + '/s', wsC + '/s', ratio(+rtC, +wsC)]);
}
const w0 = Math.max(...rows.map((r) => r[0].length));
console.log(`\n${conns} connections, same machine, same loadgen workload, one run each`);
console.log(`${'figure'.padEnd(w0)}  ${'rt serve'.padStart(12)}  ${'ws (node)'.padStart(12)}  rt/ws`);
for (const [a, b, c, d] of rows) console.log(`${a.padEnd(w0)}  ${String(b).padStart(12)}  ${String(c).padStart(12)}  ${d}`);
JS
