#!/usr/bin/env bash
# What one instance of the example sends its collector, per signal, and what a hundred send.
#
# The app (every signal over OTLP to `otlp-sink`, tests/src/bin/otlp-sink.rs, which counts the
# bytes each signal's requests carried as sent; JSON lines to a file; metrics pushed every 10 s)
# serves POST /api/predict at a fixed RATE (default 8,000) requests a second for DURATION seconds
# (default 20), once without compression and once with `OTEL_EXPORTER_OTLP_COMPRESSION=gzip`. It
# prints, for each: bytes a second per signal, bytes per request, spans and log records per
# request, the data points of one metrics push (the series one instance adds to a collector), and
# the same for a hundred instances.
# Needs hey and taskset (Debian: `apt-get install hey util-linux`) and two cores.
# Usage: [RATE=8000] examples/todo/bench/fleet.sh [seconds, default 20]
set -euo pipefail
cd "$(dirname "$0")/../../.."
DURATION="${1:-20}"
RATE="${RATE:-8000}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/tmp/tripod-target}"
cargo build --release -q -p todo-app -p tripod-tests --bin todo-app --bin otlp-sink
APP="$CARGO_TARGET_DIR/release/todo-app"
WORK="$(mktemp -d)"
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$WORK"' EXIT

sink() { curl -s "http://127.0.0.1:4398/$1"; }

printf '%-6s %14s %14s %14s %12s %9s %10s %12s\n' body 'traces B/s' 'logs B/s' 'metrics B/s' 'B/request' spans/req records/req 'points/push'
for compression in none gzip; do
    taskset -c 1 "$CARGO_TARGET_DIR/release/otlp-sink" 4398 > /dev/null &
    sink_pid=$!
    for _ in $(seq 50); do sink spans > /dev/null 2>&1 && break; sleep 0.1; done
    rm -f "$WORK"/todo.db*
    # TRIPOD_LOG_RATE_LIMIT=0: every line written, as before the limit on repeated lines.
    env TODO_ADDR=127.0.0.1:8078 DATABASE_URL="sqlite://$WORK/todo.db?mode=rwc" RUST_LOG=info TRIPOD_LOG_RATE_LIMIT=0 \
        TODO_VIEWER=off OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:4398 \
        OTEL_EXPORTER_OTLP_COMPRESSION="$compression" OTEL_METRIC_EXPORT_INTERVAL=10000 \
        taskset -c 0 "$APP" > "$WORK/app.log" 2>&1 &
    pid=$!
    for _ in $(seq 50); do curl -sf http://127.0.0.1:8078/healthz > /dev/null && break; sleep 0.1; done
    body='{"text":"the staff were friendly and the food was lovely"}'
    taskset -c 1 hey -z 2s -c 16 -q $((RATE / 16)) -m POST -T application/json -d "$body" \
        http://127.0.0.1:8078/api/predict > /dev/null  # warm-up
    sleep 11  # the warm-up's spans, records and a metrics push are out before the window
    read -r t0 l0 m0 <<< "$(sink bytes)"; s0=$(sink spans); r0=$(sink log_records)
    p0=$(sink data_points)
    taskset -c 1 hey -z "${DURATION}s" -c 16 -q $((RATE / 16)) -m POST -T application/json \
        -d "$body" http://127.0.0.1:8078/api/predict > "$WORK/hey.txt"
    sleep 11  # the window's last batches and one more push
    read -r t1 l1 m1 <<< "$(sink bytes)"; s1=$(sink spans); r1=$(sink log_records)
    p1=$(sink data_points)
    requests=$(awk '/^ *\[[0-9]+\]/ {n += $2} END {print n + 0}' "$WORK/hey.txt")
    # Metrics are pushed every 10 s whatever the load: a second's share over the whole span.
    span=$((DURATION + 11))
    awk -v c="$compression" -v d="$DURATION" -v s="$span" -v r="$requests" \
        -v t=$((t1 - t0)) -v l=$((l1 - l0)) -v m=$((m1 - m0)) \
        -v sp=$((s1 - s0)) -v rc=$((r1 - r0)) -v p=$((p1 - p0)) 'BEGIN {
        pushes = s / 10; per_push = p / pushes
        printf "%-6s %14.0f %14.0f %14.0f %12.0f %9.2f %10.2f %12.0f\n", c, t / d, l / d, m / s,
            (t + l) / r + m / s * d / r, sp / r, rc / r, per_push
        printf "  x100: %.1f MB/s into the collector (traces %.1f, logs %.1f, metrics %.3f),\n",
            (t / d + l / d + m / s) * 100 / 1e6, t / d * 100 / 1e6, l / d * 100 / 1e6, m / s * 100 / 1e6
        printf "        %.0f spans/s, %.0f log records/s, %.0f series\n",
            sp / d * 100, rc / d * 100, per_push * 100
    }'
    echo "  requests: $requests in ${DURATION}s ($(awk '/Requests\/sec:/ {print $2}' "$WORK/hey.txt")/s)"
    kill -TERM "$pid"; wait "$pid" || true
    kill -TERM "$sink_pid"; wait "$sink_pid" || true
done
