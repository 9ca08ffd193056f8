#!/usr/bin/env bash
# Load test of two `allot serve` instances on one PostgreSQL, on loopback
# with wrk (`DB=postgres bash benches/http.sh` runs this):
#   1. GET of a stored allocation of the yixinqiao fixture, through both
#      instances at once (one wrk per instance, CONNS connections each);
#   2. POST /v1/sites/{site}/allocations (solve and store), through both at
#      once, each wrk thread on a site of its own (so no request races
#      another for the same site's next id: every answer should be 201).
# Prints requests/s (the two instances added up), the worse p99 and the
# non-2xx counts. Bounded: each run lasts $DURATION (default 10s). Starts
# its own PostgreSQL (Debian's postgresql package, installed if missing;
# initdb in a temporary folder, Unix socket only) and removes it after.
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION=${DURATION:-10s}
CONNS=${CONNS:-8}
THREADS=${THREADS:-2}
PORT=${PORT:-18480}
FIX=fixtures/yixinqiao
TOKEN=bench-token-0123456789abcdef

need=()
command -v wrk >/dev/null || need+=(wrk)
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)
if [ ${#need[@]} -gt 0 ]; then
  (apt-get install -y "${need[@]}" >/dev/null 2>&1 || (apt-get update >/dev/null && apt-get install -y "${need[@]}" >/dev/null))
fi
command -v curl >/dev/null || { echo "curl is needed" >&2; exit 1; }
PGBIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)

cargo build --release --bin allot >/dev/null
WORK=$(mktemp -d)
chmod 755 "$WORK"
as_owner() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done
  [ -f "$WORK/pg/data/postmaster.pid" ] && as_owner "$PGBIN/pg_ctl" -D "$WORK/pg/data" -m fast stop >/dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap cleanup EXIT

mkdir -p "$WORK/pg"
[ "$(id -u)" = 0 ] && chown postgres "$WORK/pg"
(cd "$WORK/pg" && as_owner "$PGBIN/initdb" -D "$WORK/pg/data" -U allot --auth=trust -E UTF8 --locale=C >/dev/null)
(cd "$WORK/pg" && as_owner "$PGBIN/pg_ctl" -D "$WORK/pg/data" -l "$WORK/pg/log" -w \
  -o "-k $WORK/pg -c listen_addresses=''" start >/dev/null)
"$PGBIN/psql" -q -h "$WORK/pg" -U allot -d postgres -c 'CREATE DATABASE allot'
export ALLOT_DB="postgresql:///allot?host=$WORK/pg&user=allot" ALLOT_TOKENS="planner $TOKEN" RUST_LOG=warn

for i in 0 1; do
  ALLOT_ADDR=127.0.0.1:$((PORT + i)) target/release/allot serve >"$WORK/server$i.log" 2>&1 &
  PIDS+=($!)
done
A=http://127.0.0.1:$PORT
B=http://127.0.0.1:$((PORT + 1))
for base in $A $B; do
  for _ in $(seq 1 100); do curl -fs "$base/healthz" >/dev/null 2>&1 && break; sleep 0.1; done
  curl -fs "$base/healthz" >/dev/null || { cat "$WORK"/server*.log; exit 1; }
done

AUTH="Authorization: Bearer $TOKEN"
etag() { curl -fs -H "$AUTH" "$A/v1/sites/$1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["etag"])'; }
# The yixinqiao site, and one copy per POST thread (a1, a2 … via A; b1, b2 … via B).
SITES="yixinqiao"
for t in $(seq 1 "$THREADS"); do SITES="$SITES a$t b$t"; done
for site in $SITES; do
  python3 - "$FIX/layout.geojson" "$site" >"$WORK/layout-$site.json" <<'PY'
import json, sys
layout = json.load(open(sys.argv[1], encoding="utf-8"))
layout["site"]["id"] = sys.argv[2]
json.dump(layout, sys.stdout, ensure_ascii=False)
PY
  curl -fs -o /dev/null -H "$AUTH" -H 'Content-Type: application/geo+json' --data-binary @"$WORK/layout-$site.json" "$A/v1/sites"
  curl -fs -o /dev/null -X PUT -H "$AUTH" -H "If-Match: $(etag "$site")" -H 'Content-Type: text/csv' --data-binary @$FIX/households.csv "$A/v1/sites/$site/households"
  curl -fs -o /dev/null -X PUT -H "$AUTH" -H "If-Match: $(etag "$site")" -H 'Content-Type: application/json' --data-binary @$FIX/policy.json "$A/v1/sites/$site/policy"
done
curl -fs -o /dev/null -X POST -H "$AUTH" "$A/v1/sites/yixinqiao/allocations"

cat >"$WORK/get.lua" <<LUA
wrk.headers["Authorization"] = "Bearer $TOKEN"
LUA
for side in a b; do
  cat >"$WORK/post-$side.lua" <<LUA
local n = 0
function setup(thread)
  n = n + 1
  thread:set("site", "$side" .. n)
end
function init(args)
  path = "/v1/sites/" .. site .. "/allocations"
end
function request()
  return wrk.format("POST", path, {["Authorization"] = "Bearer $TOKEN"}, nil)
end
LUA
done

stat() { # field, wrk output file
  case $1 in
    rps) awk '/Requests\/sec/ {print $2}' "$2" ;;
    p99) awk '$1 == "99%" {print $2}' "$2" ;;
    errs) awk '/Non-2xx/ {print $5} END {}' "$2" | grep . || echo 0 ;;
    sock) grep -o 'Socket errors.*' "$2" || true ;;
  esac
}
report() { # name, wrk output of A, of B
  local total
  total=$(python3 -c "print(round($(stat rps "$2") + $(stat rps "$3"), 1))")
  printf '%-40s %10s req/s  (A %s + B %s)   p99 A %s B %s   non-2xx %s+%s %s%s\n' "$1" "$total" \
    "$(stat rps "$2")" "$(stat rps "$3")" "$(stat p99 "$2")" "$(stat p99 "$3")" \
    "$(stat errs "$2")" "$(stat errs "$3")" "$(stat sock "$2")" "$(stat sock "$3")"
}

wrk -t"$THREADS" -c"$CONNS" -d"$DURATION" --latency -s "$WORK/get.lua" "$A/v1/sites/yixinqiao/allocations/1" >"$WORK/get-a.txt" &
FIRST=$!
wrk -t"$THREADS" -c"$CONNS" -d"$DURATION" --latency -s "$WORK/get.lua" "$B/v1/sites/yixinqiao/allocations/1" >"$WORK/get-b.txt"
wait $FIRST
wrk -t"$THREADS" -c"$THREADS" -d"$DURATION" --timeout 30s --latency -s "$WORK/post-a.lua" "$A" >"$WORK/post-a.txt" &
FIRST=$!
wrk -t"$THREADS" -c"$THREADS" -d"$DURATION" --timeout 30s --latency -s "$WORK/post-b.lua" "$B" >"$WORK/post-b.txt"
wait $FIRST
echo "allot HTTP benchmark, two instances on PostgreSQL $("$PGBIN/postgres" --version | awk '{print $3}'), $(nproc) cores, $DURATION per run"
report "GET stored allocation (c=$CONNS each)" "$WORK/get-a.txt" "$WORK/get-b.txt"
report "POST allocation (c=$THREADS each)" "$WORK/post-a.txt" "$WORK/post-b.txt"
# Every stored allocation is there once, numbered 1..n without gaps, each
# following the one before.
python3 - "$B" "$TOKEN" $(for t in $(seq 1 "$THREADS"); do echo "a$t b$t"; done) <<'PY'
import json, sys, urllib.request
base, token, sites = sys.argv[1], sys.argv[2], sys.argv[3:]
for site in sites:
    ids, before = [], None
    while True:
        url = f"{base}/v1/sites/{site}/allocations?limit=100" + (f"&before={before}" if before else "")
        req = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})
        page = json.load(urllib.request.urlopen(req))
        ids += [(a["id"], a["previous"]) for a in page["allocations"]]
        before = page["next"]
        if before is None:
            break
    ids.reverse()
    want = [(i, i - 1 if i > 1 else None) for i in range(1, len(ids) + 1)]
    assert ids == want, f"{site}: allocation ids are not 1..n in a chain"
    print(f"{site}: {len(ids)} allocations, ids 1..{len(ids)}, each after the one before")
PY
