#!/usr/bin/env bash
# The plain assignment stage — N households behind E unit doors, M parking
# spaces, serve the most at the least total walk — solved on one identical
# instance by allot's min-cost flow, scipy.optimize.linear_sum_assignment and
# OR-Tools' SimpleMinCostFlow, in one run; prints medians and ratios.
#
#   bash benches/compare.sh [households] [spaces] [doors] [repeats]
#
# scipy and ortools are pip-installed into a virtualenv under target/ (not
# needed by the tests). Machines are shared and noisy: compare ratios.
set -euo pipefail
cd "$(dirname "$0")/.."
H=${1:-5000}; M=${2:-1500}; E=${3:-200}; R=${4:-5}
VENV=target/compare-venv
if [ ! -x "$VENV/bin/python" ]; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q numpy scipy ortools
fi
INST=target/compare-instance.json
"$VENV/bin/python" benches/compare.py make "$H" "$M" "$E" 42 "$INST"
cargo build -q --release --example assign
allot=$("${CARGO_TARGET_DIR:-target}"/release/examples/assign "$INST" "$R")
scipy=$("$VENV/bin/python" benches/compare.py scipy "$INST" "$R")
ortools=$("$VENV/bin/python" benches/compare.py ortools "$INST" "$R")
"$VENV/bin/python" - "$allot" "$scipy" "$ortools" "$H" "$M" "$E" <<'PY'
import json, sys
rows = [json.loads(x) for x in sys.argv[1:4]]
h, m, e = sys.argv[4:7]
print(f"plain assignment: {h} households behind {e} doors x {m} spaces (median of runs)")
print(f"{'solver':<10} {'seconds':>9} {'total walk cm':>14} {'served':>7} {'time / allot':>13}")
base = rows[0]["seconds"]
for r in rows:
    print(f"{r['solver']:<10} {r['seconds']:>9.3f} {r['total_cost']:>14} {r['served']:>7} {r['seconds'] / base:>12.1f}x")
costs = {r["total_cost"] for r in rows}
print("same optimum" if len(costs) == 1 else f"OPTIMA DIFFER: {costs}")
PY
