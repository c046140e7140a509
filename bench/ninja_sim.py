#!/usr/bin/env python3
"""Estimates the wall time of a fresh build on N idle cores from the CPU seconds of each step
(bench/tu_time.sh's log): replays build.ninja the way Ninja 1.11 schedules it (a ready step is
started in the order build.ninja declares it; archives and phony steps take ~0 s).
usage: bench/ninja_sim.py BUILD_DIR TU_LOG [CORES]"""
import heapq, os, re, sys

build_dir, log = sys.argv[1], sys.argv[2]
cores = int(sys.argv[3]) if len(sys.argv) > 3 else 2
cost = {}
for line in open(log):
    f = line.split()
    if len(f) >= 4:
        cost[f[3]] = float(f[0]) + float(f[1])

def unescape(tok):
    return tok.replace('$:', ':').replace('$ ', ' ').replace('$$', '$')

edges = []  # (outs, ins)
text = open(os.path.join(build_dir, 'build.ninja')).read().replace('$\n', '')
for line in text.splitlines():
    if not line.startswith('build '):
        continue
    head = line[len('build '):]
    # split "outs | implicit_outs: rule ins | implicit || order_only" on the first unescaped ':'
    m = re.search(r'(?<!\$):', head)
    outs_part, rest = head[:m.start()], head[m.end():]
    toks = re.split(r'(?<!\$) +', rest.strip())
    rule, ins = toks[0], [t for t in toks[1:] if t not in ('|', '||')]
    outs = [unescape(t) for t in re.split(r'(?<!\$) +', outs_part.strip()) if t and t != '|']
    edges.append((outs, [unescape(t) for t in ins], rule))

producer = {}
for i, (outs, _, _) in enumerate(edges):
    for o in outs:
        producer[o] = i
# Only what "all" needs: walk back from the default targets.
need, stack = set(), [producer[o] for o in ('all',) if o in producer]
while stack:
    e = stack.pop()
    if e in need:
        continue
    need.add(e)
    for i in edges[e][1]:
        if i in producer:
            stack.append(producer[i])
waiting = {e: {producer[i] for i in edges[e][1] if i in producer and producer[i] in need} for e in need}
users = {e: [] for e in need}
for e, deps in waiting.items():
    for d in deps:
        users[d].append(e)

def dur(e):
    outs, _, rule = edges[e]
    for o in outs:
        for k in (o, os.path.relpath(o, build_dir) if o.startswith('/') else o):
            if k in cost:
                return cost[k]
    return 0.0 if rule == 'phony' or 'LIBRARY' in rule else 0.05

ready = sorted(e for e, d in waiting.items() if not d)
running, t, done, finish = [], 0.0, [], {}
while ready or running:
    while ready and len(running) < cores:
        e = ready.pop(0)
        heapq.heappush(running, (t + dur(e), e))
    t, e = heapq.heappop(running)
    finish[e] = t
    done.append((t, e))
    for u in users[e]:
        waiting[u].discard(e)
        if not waiting[u]:
            ready.append(u)
    ready.sort()
total = sum(dur(e) for e in need)
print(f"{cores} cores: simulated wall {t:.1f} s for {total:.1f} CPU-s ({len(need)} steps); ideal {total/cores:.1f} s")
for tt, e in done[-8:]:
    if dur(e) > 0.1:
        print(f"  ends {tt:6.1f}  {dur(e):5.1f}  {edges[e][0][0]}")
