#!/usr/bin/env bash
# Load benchmark of the todo service: requests/s and p99 latency of GET /api/todos and
# POST /api/predict, with full telemetry (JSON logs to a file, Prometheus, OTLP to a real
# receiver), with telemetry not installed, and with full telemetry and the collector down,
# all in one run, on 127.0.0.1. Needs wrk (Debian: `apt-get install wrk`). The receiver is
# `otlp-sink` (tests/src/bin/otlp-sink.rs), which decodes and counts the spans: a receiver that
# prints them (oteltap, in Python) would take a whole core of the two the app and wrk share.
# A fourth case keeps everything but exports one trace in ten (`parentbased_traceidratio`, 0.1),
# the usual setting for a busy service.
# Usage: examples/todo/bench/load.sh [seconds per case, default 10]
set -euo pipefail
cd "$(dirname "$0")/../../.."
DURATION="${1:-10}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/tmp/tripod-target}"
cargo build --release -q -p todo-app -p tripod-tests --bin todo-app --bin otlp-sink
APP="$CARGO_TARGET_DIR/release/todo-app"
WORK="$(mktemp -d)"
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$WORK"' EXIT

"$CARGO_TARGET_DIR/release/otlp-sink" 4399 > /dev/null &
for _ in $(seq 50); do curl -sf http://127.0.0.1:4399/spans > /dev/null && break; sleep 0.1; done

run_case() { # name, extra env...
    local name="$1"; shift
    rm -f "$WORK"/todo.db*
    env TODO_ADDR=127.0.0.1:8077 DATABASE_URL="sqlite://$WORK/todo.db?mode=rwc" RUST_LOG=info "$@" \
        "$APP" > "$WORK/$name.log" 2>&1 &
    local pid=$! spans_before
    spans_before=$(curl -s http://127.0.0.1:4399/spans)
    for _ in $(seq 50); do curl -sf http://127.0.0.1:8077/healthz > /dev/null && break; sleep 0.1; done
    for i in $(seq 50); do
        curl -sf -X POST http://127.0.0.1:8077/api/todos -H 'content-type: application/json' \
            -d "{\"title\":\"todo $i\",\"user_id\":$((i % 5))}" > /dev/null
    done
    wrk -t1 -c16 -d2s http://127.0.0.1:8077/api/todos > /dev/null  # warm-up
    for endpoint in list predict; do
        if [ "$endpoint" = list ]; then
            wrk -t1 -c16 -d"${DURATION}s" --latency "http://127.0.0.1:8077/api/todos?limit=20" > "$WORK/$name-$endpoint.txt"
        else
            wrk -t1 -c16 -d"${DURATION}s" --latency -s examples/todo/bench/predict.lua http://127.0.0.1:8077/api/predict > "$WORK/$name-$endpoint.txt"
        fi
        local rps p99 bad
        rps=$(awk '/^Requests\/sec/ {print $2}' "$WORK/$name-$endpoint.txt")
        p99=$(awk '$1 == "99%" {print $2}' "$WORK/$name-$endpoint.txt")
        bad=$(awk '/Non-2xx/ {print $5} /Socket errors/ {print "socket:" $0}' "$WORK/$name-$endpoint.txt")
        printf '%-22s %-8s %10s req/s  p99 %8s  failed: %s\n' "$name" "$endpoint" "$rps" "$p99" "${bad:-0}"
    done
    kill -TERM "$pid"; wait "$pid" || true
    echo "$name: $(wc -l < "$WORK/$name.log") log lines, $(( $(curl -s http://127.0.0.1:4399/spans) - spans_before )) spans received"
}

run_case telemetry_off TODO_TELEMETRY=off
run_case telemetry_on OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:4399
run_case collector_down OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:9
run_case sampled_1_in_10 OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:4399 \
    OTEL_TRACES_SAMPLER=parentbased_traceidratio OTEL_TRACES_SAMPLER_ARG=0.1
