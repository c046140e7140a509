#!/usr/bin/env bash
# Hostile floods against one rt serve each (issue 12, findings 3 and 4), beside a healthy load:
#   calm       rt loadgen alone
#   ping       + a client that never reads (4 KiB receive buffer) sending WebSocket pings with
#              125-byte payloads as fast as it can, reconnecting whenever it is closed
#   snapshot   + a client that never reads re-subscribing to AllTasks (1,000 rows of 2 KB: a
#              ~2.2 MB snapshot) 90 times a second — within the rate limit — reconnecting likewise
# For each: the healthy clients' latency line (p99 is the figure), and the server's RSS before
# the attack, its peak (sampled every 100 ms) and 2 s after the attacker left, plus the closes.
# usage: bench/hostile_floods.sh [path/to/rt] [conns] [rate] [duration]
set -euo pipefail
BENCH_ROOT=$(cd "$(dirname "$0")/.." && pwd)
source "$BENCH_ROOT/bench/lib.sh"
RT=${1:-$BENCH_ROOT/build/rt}
CONNS=${2:-100}
RATE=${3:-100/s}
DURATION=${4:-10s}
work=$(mktemp -d "${TMPDIR:-/tmp}/rt-hostile.XXXXXX")
trap 'kill ${ATTACK_PID:-} ${SAMPLER_PID:-} 2>/dev/null; stop_pid "${SERVE_PID:-}"; rm -rf "$work"' EXIT

# The attacker: a raw-socket WebSocket client that never reads. Gives up by itself when the
# server's RSS passes 1 GiB, so a server without limits cannot take the machine down.
cat >"$work/attack.py" <<'PY'
import os, socket, struct, sys, time, json
mode, port, seconds, server_pid = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), sys.argv[4]
def rss_kib():
    for line in open(f"/proc/{server_pid}/status"):
        if line.startswith("VmRSS:"): return int(line.split()[1])
    return 0
def frame(op, payload):
    mask = b"\x01\x02\x03\x04"
    n = len(payload)
    head = bytes([0x80 | op]) + (bytes([0x80 | n]) if n < 126 else bytes([0x80 | 126]) + struct.pack(">H", n))
    return head + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
def connect():
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    s.connect(("127.0.0.1", port))
    s.sendall(b"GET /live HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
              b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")
    head = b""
    while b"\r\n\r\n" not in head: head += s.recv(1)   # the 101, byte by byte; never read after it
    s.settimeout(1.0)
    return s
ping = frame(0x9, b"p" * 125)
end = time.time() + seconds
sent = closes = 0
s = connect()
while time.time() < end and rss_kib() < 1024 * 1024:
    try:
        if mode == "ping":
            s.sendall(ping * 100); sent += 100
        else:
            s.sendall(frame(0x1, json.dumps({"id": sent, "type": "subscribe", "subscription": "AllTasks"}).encode()))
            sent += 1
            time.sleep(1 / 90)
    except OSError:
        closes += 1
        s.close()
        time.sleep(0.05)
        s = connect()
print(f"attacker: {mode}: {sent} frames sent, closed {closes} times", flush=True)
PY

# A 2 KB-title task per row; a burst allowance big enough to insert them at once (the attacker
# itself stays under 100 messages/s).
fill_tasks() {
    python3 - "$SERVE_PORT" <<'PY'
import socket, struct, sys, json
port = int(sys.argv[1])
s = socket.create_connection(("127.0.0.1", port))
s.sendall(b"GET /live HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
          b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")
buf = b""
while b"\r\n\r\n" not in buf: buf += s.recv(4096)
buf = buf.split(b"\r\n\r\n", 1)[1]
mask = b"\0\0\0\0"
for i in range(1000):
    p = json.dumps({"id": i, "type": "publish", "entity": "Task", "operation": "insert",
                    "data": {"id": f"big{i}", "title": "t" * 2000, "status": "todo", "board": "b1", "priority": 1}}).encode()
    s.sendall(bytes([0x81, 0x80 | 126]) + struct.pack(">H", len(p)) + mask + p)
# Wait for the 1000 replies (each a text frame) before leaving.
got = 0
while got < 1000:
    while len(buf) < 4:
        buf += s.recv(65536)
    n = buf[1] & 0x7F; h = 2
    if n == 126: n = struct.unpack(">H", buf[2:4])[0]; h = 4
    elif n == 127:
        while len(buf) < 10: buf += s.recv(65536)
        n = struct.unpack(">Q", buf[2:10])[0]; h = 10
    while len(buf) < h + n: buf += s.recv(65536)
    buf = buf[h + n:]; got += 1
PY
}

loadgen() {
    "$RT" loadgen --url "ws://127.0.0.1:$SERVE_PORT/live" --conns "$CONNS" --boards $((CONNS / 10)) --rate "$RATE" \
        --duration "$DURATION" --warmup 1s --quiet | grep -E "latency  |completeness"
}

run_case() {
    local mode=$1
    start_rt_serve "$RT" --rate-burst 2000
    [[ $mode == snapshot ]] && fill_tasks
    local before; before=$(rss_kib "$SERVE_PID")
    (peak=0; while kill -0 "$SERVE_PID" 2>/dev/null; do r=$(rss_kib "$SERVE_PID"); ((r > peak)) && peak=$r; echo "$peak" >"$work/peak"; sleep 0.1; done) &
    SAMPLER_PID=$!
    echo "== $mode"
    if [[ $mode != calm ]]; then
        python3 "$work/attack.py" "$mode" "$SERVE_PORT" "$(( ${DURATION%s} + 3 ))" "$SERVE_PID" &
        ATTACK_PID=$!
    fi
    loadgen
    if [[ $mode != calm ]]; then wait "$ATTACK_PID" || true; ATTACK_PID=""; fi
    sleep 2
    local after; after=$(rss_kib "$SERVE_PID")
    kill "$SAMPLER_PID" 2>/dev/null; wait "$SAMPLER_PID" 2>/dev/null || true
    echo "server RSS before $before KiB, peak $(cat "$work/peak") KiB, after $after KiB"
    curl -s "http://127.0.0.1:$SERVE_PORT/metrics" |
        grep -E "^rt_(slow_consumer_disconnects_total|abuse_disconnects_total|events_dropped_total|bytes_queued) " | tr '\n' ' '
    echo
    stop_pid "$SERVE_PID"; SERVE_PID=""
}

for mode in calm ping snapshot; do run_case "$mode"; done
