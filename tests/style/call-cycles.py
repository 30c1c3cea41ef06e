#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""No call cycles between modules: from the objects of a build, which module (source file)
calls which (an undefined symbol of one defined by another), then every strongly connected
component of more than one module is a cycle, printed with its edges. Usage: call-cycles.py BUILD"""
import os, subprocess, sys
from collections import defaultdict

build = sys.argv[1] if len(sys.argv) > 1 else "build"
objs = []
for d, _, files in os.walk(build):
    for f in files:
        # the library and program objects of src/, not tests, probes or fixtures
        if f.endswith(".c.o") and "src_" in f and "/tests/" not in d:
            objs.append(os.path.join(d, f))
if not objs:
    sys.exit(f"call-cycles: no objects of src/ under {build}")

def module(obj):
    name = os.path.basename(obj)[:-len(".c.o")]
    return name.split("src_", 1)[1].replace("_", "/", 1)

defined, undefined = {}, defaultdict(set)
for o in objs:
    out = subprocess.run(["nm", "--defined-only", "-g", o], capture_output=True, text=True).stdout
    for line in out.splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[1] in "TDBRV":
            defined.setdefault(parts[2], module(o))
    out = subprocess.run(["nm", "-u", o], capture_output=True, text=True).stdout
    for line in out.splitlines():
        undefined[module(o)].add(line.split()[-1])

edges = defaultdict(set)
why = {}
for m, syms in undefined.items():
    for s in sorted(syms):
        t = defined.get(s)
        if t and t != m:
            edges[m].add(t)
            why.setdefault((m, t), s)

# Tarjan's strongly connected components
index, low, stack, on, sccs, counter = {}, {}, [], set(), [], [0]
def strong(v):
    index[v] = low[v] = counter[0]; counter[0] += 1
    stack.append(v); on.add(v)
    for w in sorted(edges[v]):
        if w not in index:
            strong(w); low[v] = min(low[v], low[w])
        elif w in on:
            low[v] = min(low[v], index[w])
    if low[v] == index[v]:
        comp = []
        while True:
            w = stack.pop(); on.discard(w); comp.append(w)
            if w == v:
                break
        if len(comp) > 1:
            sccs.append(sorted(comp))
sys.setrecursionlimit(10000)
for v in sorted(set(edges) | {t for s in edges.values() for t in s}):
    if v not in index:
        strong(v)

for comp in sccs:
    print("call cycle between modules: " + ", ".join(comp))
    for a in comp:
        for b in sorted(edges[a]):
            if b in comp:
                print(f"  {a} -> {b} ({why[(a, b)]})")
# Layers: basic calls nothing of lib or cli, lib nothing of cli.
rank = {"basic": 0, "lib": 1, "cli": 2}
bad = 0
for (a, b), s in sorted(why.items()):
    la, lb = a.split("/")[0], b.split("/")[0]
    if la in rank and lb in rank and rank[lb] > rank[la]:
        print(f"layer violation: {a} -> {b} ({s})")
        bad += 1
sys.exit(1 if sccs or bad else 0)
