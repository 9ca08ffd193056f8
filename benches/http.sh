#!/usr/bin/env bash
# Load test of `allot serve` on loopback with wrk:
#   1. GET of a stored allocation of the yixinqiao fixture;
#   2. POST /v1/solve of the yixinqiao fixture.
# Prints requests/s, p99 latency and non-2xx counts for each. Bounded: each
# run lasts $DURATION (default 10s). Needs a release build (built here) and
# wrk (installed with apt-get if missing).
#
#   bash benches/http.sh                 # defaults
#   DURATION=30s CONNS=64 bash benches/http.sh
#   DB=postgres bash benches/http.sh     # two instances on one PostgreSQL
#                                        # (benches/http_postgres.sh)
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "${DB:-sqlite}" = postgres ]; then exec bash benches/http_postgres.sh; fi

DURATION=${DURATION:-10s}
CONNS=${CONNS:-32}
SOLVE_CONNS=${SOLVE_CONNS:-4}
THREADS=${THREADS:-2}
PORT=${PORT:-18480}
FIX=fixtures/yixinqiao
TOKEN=bench-token-0123456789abcdef

if ! command -v wrk >/dev/null; then
  (apt-get install -y wrk >/dev/null 2>&1 || (apt-get update >/dev/null && apt-get install -y wrk >/dev/null))
fi
command -v curl >/dev/null || { echo "curl is needed" >&2; exit 1; }

cargo build --release --bin allot >/dev/null
WORK=$(mktemp -d)
SERVER_PID=
cleanup() {
  if [ -n "$SERVER_PID" ]; then kill "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT

export ALLOT_ADDR=127.0.0.1:$PORT ALLOT_DB=$WORK/bench.db ALLOT_TOKENS="planner $TOKEN" RUST_LOG=warn
target/release/allot serve >"$WORK/server.log" 2>&1 &
SERVER_PID=$!
BASE=http://127.0.0.1:$PORT
for _ in $(seq 1 100); do curl -fs "$BASE/healthz" >/dev/null 2>&1 && break; sleep 0.1; done
curl -fs "$BASE/healthz" >/dev/null || { cat "$WORK/server.log"; exit 1; }

AUTH="Authorization: Bearer $TOKEN"
etag() { curl -fs -H "$AUTH" "$BASE/v1/sites/yixinqiao" | python3 -c 'import json,sys; print(json.load(sys.stdin)["etag"])'; }
curl -fs -o /dev/null -H "$AUTH" -H 'Content-Type: application/geo+json' --data-binary @$FIX/layout.geojson "$BASE/v1/sites"
curl -fs -o /dev/null -X PUT -H "$AUTH" -H "If-Match: $(etag)" -H 'Content-Type: text/csv' --data-binary @$FIX/households.csv "$BASE/v1/sites/yixinqiao/households"
curl -fs -o /dev/null -X PUT -H "$AUTH" -H "If-Match: $(etag)" -H 'Content-Type: application/json' --data-binary @$FIX/policy.json "$BASE/v1/sites/yixinqiao/policy"
curl -fs -o /dev/null -X POST -H "$AUTH" "$BASE/v1/sites/yixinqiao/allocations"

python3 - "$FIX" >"$WORK/solve.json" <<'PY'
import json, sys
d = sys.argv[1]
load = lambda n: json.load(open(f"{d}/{n}", encoding="utf-8"))
json.dump({"layout": load("layout.geojson"), "households": load("households.json"), "policy": load("policy.json")}, sys.stdout)
PY
cat >"$WORK/get.lua" <<LUA
wrk.headers["Authorization"] = "Bearer $TOKEN"
LUA
cat >"$WORK/solve.lua" <<LUA
wrk.method = "POST"
wrk.headers["Authorization"] = "Bearer $TOKEN"
wrk.headers["Content-Type"] = "application/json"
local f = io.open("$WORK/solve.json", "rb")
wrk.body = f:read("*a")
f:close()
LUA

report() { # name, wrk output file
  local rps p99 errs
  rps=$(awk '/Requests\/sec/ {print $2}' "$2")
  p99=$(awk '$1 == "99%" {print $2}' "$2")
  errs=$(awk '/Non-2xx/ {print $5}' "$2"); errs=${errs:-0}
  sock=$(grep -o 'Socket errors.*' "$2" || true)
  printf '%-32s %10s req/s   p99 %8s   non-2xx %s %s\n' "$1" "$rps" "$p99" "$errs" "$sock"
}

wrk -t"$THREADS" -c"$CONNS" -d"$DURATION" --latency -s "$WORK/get.lua" "$BASE/v1/sites/yixinqiao/allocations/1" >"$WORK/get.txt"
wrk -t"$THREADS" -c"$SOLVE_CONNS" -d"$DURATION" --timeout 30s --latency -s "$WORK/solve.lua" "$BASE/v1/solve" >"$WORK/solve.txt"
echo "allot HTTP benchmark, $(nproc) cores, $DURATION per run"
report "GET stored allocation (c=$CONNS)" "$WORK/get.txt"
report "POST /v1/solve (c=$SOLVE_CONNS)" "$WORK/solve.txt"
