#!/usr/bin/env bash
# Soak run of the todo service: full load for a long time while the OTLP receiver goes away and
# comes back, to show that memory stays flat and that every span is accounted for.
#
# The app runs pinned to core 0 with full telemetry (JSON lines to a file, Prometheus, OTLP to
# `otlp-sink`, tests/src/bin/otlp-sink.rs); wrk and the receiver run pinned to core 1. wrk keeps
# GET /api/todos and POST /api/predict busy for the whole run (16 connections each, alternating
# minute by minute); the receiver is up for UP seconds, then stopped (SIGTERM: it prints what it
# received) and left down for DOWN seconds, over and over. Every 10 s the app's RSS is sampled.
# At the end the load stops, the receiver stays up until the exporter has caught up, and the
# spans are counted: created (every observed call and every request is one span: the counts of
# operation_duration_seconds and http_request_duration_seconds on /metrics, less the calls of the
# DEBUG-level operations, which RUST_LOG=info records as metrics only) against received
# (summed over the receiver's lives) + dropped (tripod_spans_dropped_total) + lost to failed
# exports (tripod_spans_export_failed_total). A span the receiver counted just before it was
# stopped, whose answer never reached the app, is counted twice (received and failed): the
# report shows that surplus apart.
#
# Needs wrk and taskset (Debian: `apt-get install wrk util-linux`) and two cores. Not part of CI.
# Usage: examples/todo/bench/soak.sh [minutes, default 30] [UP seconds, default 5] [DOWN seconds, default 5]
set -euo pipefail
cd "$(dirname "$0")/../../.."
MINUTES="${1:-30}"
UP="${2:-5}"
DOWN="${3:-5}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/tmp/tripod-target}"
cargo build --release -q -p todo-app -p tripod-tests --bin todo-app --bin otlp-sink
APP="$CARGO_TARGET_DIR/release/todo-app"
SINK="$CARGO_TARGET_DIR/release/otlp-sink"
WORK="$(mktemp -d)"
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$WORK"' EXIT
PORT=4398
ADDR=127.0.0.1:8078

sink_up() {
    taskset -c 1 "$SINK" "$PORT" >> "$WORK/sink.out" &
    SINK_PID=$!
    for _ in $(seq 50); do curl -sf "http://127.0.0.1:$PORT/spans" > /dev/null && break; sleep 0.1; done
}
sink_down() {
    kill -TERM "$SINK_PID"
    wait "$SINK_PID" || true
}
received() { awk '/^spans received:/ {sum += $3} END {print sum + 0}' "$WORK/sink.out"; }
rss_kib() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status"; }
metric_sum() { # the sum of a metric's samples on /metrics (name, then an optional label filter)
    curl -s "http://$ADDR/metrics" | awk -v name="$1" -v filter="${2:-}" \
        '($1 == name || index($1, name "{") == 1) && index($1, filter) {sum += $2} END {printf "%d\n", sum}'
}

# Database spans off: every span is then one observed call or request, which /metrics counts.
# TRIPOD_LOG_RATE_LIMIT=0: every line written, as before the limit on repeated lines.
env TODO_ADDR="$ADDR" DATABASE_URL="sqlite://$WORK/todo.db?mode=rwc" RUST_LOG=info TRIPOD_LOG_RATE_LIMIT=0 TODO_VIEWER=off TODO_DB_SPANS=off \
    OTEL_EXPORTER_OTLP_ENDPOINT="http://127.0.0.1:$PORT" \
    taskset -c 0 "$APP" 2>&1 | grep --line-buffered 'tripod\.export' > "$WORK/app.log" &
# Only the export lines are kept: at full load the JSON lines are gigabytes an hour.
sleep 1
APP_PID=$(pgrep -n -f "^$APP")
for _ in $(seq 100); do curl -sf "http://$ADDR/healthz" > /dev/null && break; sleep 0.1; done
for i in $(seq 50); do
    curl -sf -X POST "http://$ADDR/api/todos" -H 'content-type: application/json' \
        -d "{\"title\":\"todo $i\",\"user_id\":$((i % 5))}" > /dev/null
done

END=$(( $(date +%s) + MINUTES * 60 ))
# The load: a minute of each endpoint in turn, until the end.
(
    minute=0
    while [ "$(date +%s)" -lt "$END" ]; do
        left=$(( END - $(date +%s) )); [ "$left" -gt 60 ] && left=60
        if [ $((minute % 2)) -eq 0 ]; then
            taskset -c 1 wrk -t1 -c16 -d"${left}s" "http://$ADDR/api/todos?limit=20" >> "$WORK/wrk.out"
        else
            taskset -c 1 wrk -t1 -c16 -d"${left}s" -s examples/todo/bench/predict.lua \
                "http://$ADDR/api/predict" >> "$WORK/wrk.out"
        fi
        minute=$((minute + 1))
    done
) &
LOAD_PID=$!
# Memory every 10 s.
(
    start=$(date +%s)
    while kill -0 "$APP_PID" 2> /dev/null && [ "$(date +%s)" -lt "$END" ]; do
        echo "$(( $(date +%s) - start )) $(rss_kib "$APP_PID")" >> "$WORK/rss"
        sleep 10
    done
) &
# The receiver, flapping.
flaps=0
while [ "$(date +%s)" -lt "$END" ]; do
    sink_up; sleep "$UP"; sink_down; sleep "$DOWN"
    flaps=$((flaps + 1))
done
wait "$LOAD_PID" || true

# Catch up: the receiver stays up until every span is accounted for (the backoff is 30 s at most).
sink_up
created=0; debug_calls=0; dropped=0; failed=0; accounted=0
for _ in $(seq 30); do
    sleep 3
    # Calls of the two DEBUG-level operations (`health.check`, `db.ping`: the readiness probe's
    # one /healthz) are counted but, at RUST_LOG=info, are no spans.
    debug_calls=$(( $(metric_sum operation_duration_seconds_count 'name="health.check"') \
        + $(metric_sum operation_duration_seconds_count 'name="db.ping"') ))
    created=$(( $(metric_sum operation_duration_seconds_count) + $(metric_sum http_request_duration_seconds_count) - debug_calls ))
    dropped=$(metric_sum tripod_spans_dropped_total)
    failed=$(metric_sum tripod_spans_export_failed_total)
    now=$(curl -s "http://127.0.0.1:$PORT/spans")
    accounted=$(( $(received) + now + dropped + failed ))
    [ "$accounted" -ge "$created" ] && break
done
kill -TERM "$APP_PID"; wait "$APP_PID" || true
sink_down
total_received=$(received)

requests=$(awk '/requests in/ {sum += $1} END {print sum + 0}' "$WORK/wrk.out")
errors=$(awk '/Non-2xx|Socket errors/' "$WORK/wrk.out" | wc -l)
echo "soak: $MINUTES min, receiver up ${UP} s / down ${DOWN} s ($flaps flaps), $requests requests ($errors wrk lines reporting errors)"
echo "spans: created $created, received $total_received, dropped $dropped, lost to failed exports $failed"
surplus=$(( total_received + dropped + failed - created ))
if [ "$surplus" -ge 0 ]; then
    echo "every span accounted for; $surplus counted twice (received just before the receiver stopped, and failed)"
else
    echo "UNACCOUNTED: $(( -surplus )) spans"
fi
echo "RSS (KiB) every 10 s, seconds since start:"
awk '{printf "%s:%s ", $1, $2} END {print ""}' "$WORK/rss"
awk 'NR == 1 {first = $2} $1 >= 60 && !base {base = $2} $1 >= 60 && $2 > max {max = $2} {last = $2}
    END {printf "RSS: %d KiB at start, %d KiB after one minute, at most %d KiB after it, %d KiB at the end (%+.1f%% from the one-minute mark)\n",
        first, base, max, last, base ? (last - base) * 100 / base : 0}' "$WORK/rss"
grep -c 'tripod.export.failed' "$WORK/app.log" | sed 's/^/export failure warnings: /'
grep -c 'tripod.export.recovered' "$WORK/app.log" | sed 's/^/recovery lines: /'
