#!/usr/bin/env python3
"""Solve one plain assignment instance with scipy and OR-Tools; time them.

The instance: households living behind `entrances` unit doors, `spaces`
parking spaces, cost = walking distance in centimetres (straight line,
rounded half up). Each space serves one household; serve as many as
possible at least total cost. Written by compare.sh, which also runs allot's
engine on the same file and prints the ratios.
"""
import json, math, random, sys, time

def make(households, spaces, entrances, seed):
    rng = random.Random(seed)
    doors = [(rng.uniform(0, 600), rng.uniform(0, 400)) for _ in range(entrances)]
    home = [i % entrances for i in range(households)]
    slots = [(rng.uniform(0, 600), rng.uniform(0, 400)) for _ in range(spaces)]
    return {"entrances": doors, "households": home, "spaces": slots}

def cost(a, b):
    return math.floor(math.hypot(a[0] - b[0], a[1] - b[1]) * 100.0 + 0.5)

def median_time(fn, repeats):
    times, result = [], None
    for _ in range(repeats):
        t = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t)
    times.sort()
    return times[len(times) // 2], result

def scipy_solve(inst):
    import numpy as np
    from scipy.optimize import linear_sum_assignment
    doors = np.array(inst["entrances"])
    slots = np.array(inst["spaces"])
    d = np.floor(np.hypot(doors[:, None, 0] - slots[None, :, 0], doors[:, None, 1] - slots[None, :, 1]) * 100.0 + 0.5)
    m = d[np.array(inst["households"])]
    def run():
        r, c = linear_sum_assignment(m)
        return int(m[r, c].sum()), len(r)
    return run

def ortools_solve(inst):
    import numpy as np
    from ortools.graph.python import min_cost_flow
    h, s = len(inst["households"]), len(inst["spaces"])
    doors = np.array(inst["entrances"])
    slots = np.array(inst["spaces"])
    d = np.floor(np.hypot(doors[:, None, 0] - slots[None, :, 0], doors[:, None, 1] - slots[None, :, 1]) * 100.0 + 0.5)
    m = d[np.array(inst["households"])].astype(np.int64)
    src, sink = h + s, h + s + 1
    tails = np.concatenate([np.full(h, src), np.repeat(np.arange(h), s), np.arange(h, h + s)])
    heads = np.concatenate([np.arange(h), np.tile(np.arange(h, h + s), h), np.full(s, sink)])
    caps = np.ones(len(tails), dtype=np.int64)
    costs = np.concatenate([np.zeros(h, dtype=np.int64), m.ravel(), np.zeros(s, dtype=np.int64)])
    n = min(h, s)
    def run():
        f = min_cost_flow.SimpleMinCostFlow()
        f.add_arcs_with_capacity_and_unit_cost(tails, heads, caps, costs)
        f.set_node_supply(src, n)
        f.set_node_supply(sink, -n)
        assert f.solve() == f.OPTIMAL
        return f.optimal_cost(), n
    return run

if __name__ == "__main__":
    cmd = sys.argv[1]
    if cmd == "make":
        h, s, e, seed, out = int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]), sys.argv[6]
        with open(out, "w") as f:
            json.dump(make(h, s, e, seed), f)
    else:
        inst = json.load(open(sys.argv[2]))
        repeats = int(sys.argv[3])
        solver = {"scipy": scipy_solve, "ortools": ortools_solve}[cmd](inst)
        secs, (total, served) = median_time(solver, repeats)
        print(json.dumps({"solver": cmd, "seconds": secs, "total_cost": total, "served": served}))
