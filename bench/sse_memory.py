#!/usr/bin/env python3
"""Server memory per idle SSE stream: opens N `GET /sse` streams to an rt serve on loopback (kanban
spec, TaskUpdates over N/10 boards, as rt loadgen's boards workload spreads its WebSocket
connections), waits until each has its snapshot, and prints the server's VmRSS before and after.

    bench/sse_memory.py --pid PID --port PORT [--conns 2000]

Bounded: N connections (at most 10,000), every wait at most 60 s, loopback only; the streams are
closed when it exits. Compare with rt loadgen's WebSocket connections (docs/operations.md, Sizing).
"""
import argparse
import resource
import selectors
import socket
import sys
import time
import urllib.parse


def vmrss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return -1


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--pid", type=int, required=True)
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--conns", type=int, default=2000)
    a = ap.parse_args()
    n = min(a.conns, 10000)
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    before = vmrss_kib(a.pid)
    sel = selectors.DefaultSelector()
    socks = []
    boards = max(1, n // 10)
    for i in range(n):
        s = socket.create_connection(("127.0.0.1", a.port), timeout=5)
        flt = urllib.parse.quote('{"board":"b%d"}' % (i % boards))
        s.sendall(f"GET /sse?subscription=TaskUpdates&filter={flt} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode())
        s.setblocking(False)
        sel.register(s, selectors.EVENT_READ, bytearray())
        socks.append(s)
    waiting = n
    deadline = time.time() + 60
    while waiting and time.time() < deadline:
        for key, _ in sel.select(timeout=1):
            data = key.fileobj.recv(65536)
            key.data.extend(data)
            if not data or b"event: snapshot" in key.data:
                sel.unregister(key.fileobj)
                waiting -= 1
    time.sleep(1)  # let the server settle (allocator, timers)
    after = vmrss_kib(a.pid)
    print(f"{n} SSE streams ({n - waiting} with a snapshot): VmRSS {before} KiB -> {after} KiB, "
          f"{(after - before) / n:.1f} KiB per stream")
    for s in socks:
        s.close()
    return 0 if waiting == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
