#!/usr/bin/env bash
# Keep what matters at any volume: what the example exports per request at head-sampling ratios
# of 100 %, 10 % and 1 %, with the default tail rule (errors) and with
# TRIPOD_TRACES_KEEP=errors,slower_than=250ms, against head sampling alone (none), while 5 % of predictions fail and 5 % are 300 ms slower
# inside ml.inference; how many of the failed and of the slow calls' traces arrived. Then a storm:
# every prediction failing at full speed for STORM seconds, with the default limit on repeated
# lines and without it: lines a second, the counts suppressed, the app's CPU and memory.
#
# The app sends every signal over OTLP to `otlp-sink` (tests/src/bin/otlp-sink.rs), which counts
# bytes, spans, the roots a rule kept and the failed and slow `ml.inference` spans.
# Needs hey and taskset (Debian: `apt-get install hey util-linux`) and two cores.
# Usage: [RATE=1000] [STORM=30] examples/todo/bench/keep.sh [seconds per case, default 20]
set -euo pipefail
cd "$(dirname "$0")/../../.."
DURATION="${1:-20}"
RATE="${RATE:-1000}"
STORM="${STORM:-30}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/tmp/tripod-target}"
cargo build --release -q -p todo-app -p tripod-tests --bin todo-app --bin otlp-sink
APP="$CARGO_TARGET_DIR/release/todo-app"
WORK="$(mktemp -d)"
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$WORK"' EXIT
body='{"text":"the staff were friendly and the food was lovely"}'

sink() { curl -s "http://127.0.0.1:4397/$1"; }

# start_app ENV...: the app on 127.0.0.1:8079 (core 0), every signal to the sink; $pid.
start_app() {
    rm -f "$WORK"/todo.db*
    env TODO_ADDR=127.0.0.1:8079 DATABASE_URL="sqlite://$WORK/todo.db?mode=rwc" RUST_LOG=info \
        TODO_VIEWER=off OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:4397 \
        OTEL_METRIC_EXPORT_INTERVAL=10000 "$@" taskset -c 0 "$APP" > "$WORK/app.log" 2>&1 &
    pid=$!
    for _ in $(seq 50); do curl -sf http://127.0.0.1:8079/healthz > /dev/null && break; sleep 0.1; done
}

# cpu_seconds PID: user + system CPU time so far.
cpu_seconds() { awk -v hz="$(getconf CLK_TCK)" '{print ($14 + $15) / hz}' "/proc/$1/stat"; }

taskset -c 1 "$CARGO_TARGET_DIR/release/otlp-sink" 4397 > /dev/null &
for _ in $(seq 50); do sink spans > /dev/null 2>&1 && break; sleep 0.1; done

echo "## $RATE requests a second for ${DURATION}s; 5 % fail, 5 % are 300 ms slower (ml.inference)"
printf '%-6s %-12s %12s %12s %10s %14s %14s\n' ratio rules 'span B/req' 'all B/req' 'spans/req' 'failed traced' 'slow traced'
for ratio in 1.0 0.1 0.01; do
    # Head sampling alone, the default rule (errors), and errors with slower_than.
    for rules in none default errors,slower_than=250ms; do
        keep=(TRIPOD_TRACES_KEEP="$rules")
        [ "$rules" = default ] && keep=()
        start_app OTEL_TRACES_SAMPLER=parentbased_traceidratio OTEL_TRACES_SAMPLER_ARG="$ratio" \
            "${keep[@]}" TODO_FAULT_ERROR_RATE=0.05 TODO_FAULT_SLOW_RATE=0.05 \
            TODO_FAULT_SLOW_MS=300
        read -r t0 l0 m0 <<< "$(sink bytes)"; s0=$(sink spans)
        read -r f0 w0 <<< "$(sink inference)"
        taskset -c 1 hey -z "${DURATION}s" -c 64 -q $((RATE / 64)) -m POST -T application/json \
            -d "$body" http://127.0.0.1:8079/api/predict > "$WORK/hey.txt"
        metrics=$(curl -s http://127.0.0.1:8079/metrics)
        kill -TERM "$pid"; wait "$pid" || true  # its last spans and records go out at shutdown
        sleep 1
        read -r t1 l1 m1 <<< "$(sink bytes)"; s1=$(sink spans)
        read -r f1 w1 <<< "$(sink inference)"
        requests=$(awk '/^ *\[[0-9]+\]/ {n += $2} END {print n + 0}' "$WORK/hey.txt")
        failed=$(awk '/^ *\[500\]/ {print $2}' "$WORK/hey.txt"); failed=${failed:-0}
        # Slow calls: ml.inference's calls over its 250 ms bucket.
        slow=$(echo "$metrics" | awk '
            /^operation_duration_seconds_bucket\{name="ml.inference"/ && /le="0.25"/ {within += $2}
            /^operation_duration_seconds_count\{name="ml.inference"/ {all += $2}
            END {print all - within}')
        awk -v ratio="$ratio" -v rules="${rules/,slower_than=250ms/+slow}" -v r="$requests" -v t=$((t1 - t0)) \
            -v all=$((t1 - t0 + l1 - l0 + m1 - m0)) -v sp=$((s1 - s0)) \
            -v f="$failed" -v fa=$((f1 - f0)) -v s="$slow" -v sa=$((w1 - w0)) 'BEGIN {
            printf "%-6s %-12s %12.0f %12.0f %10.3f %8d/%-5d %8d/%-5d\n", ratio, rules, t / r,
                all / r, sp / r, fa, f, sa, s
        }'
    done
done

echo
echo "## A storm: every prediction failing, at full speed for ${STORM}s"
printf '%-10s %12s %12s %14s %12s %10s %10s\n' limit requests 'lines/s' 'failure lines' suppressed 'CPU s' 'RSS MiB'
for limit in 100 0; do
    start_app TRIPOD_LOG_RATE_LIMIT="$limit" TODO_FAULT_ERROR_RATE=1 \
        OTEL_TRACES_SAMPLER=parentbased_traceidratio OTEL_TRACES_SAMPLER_ARG=0.01
    c0=$(cpu_seconds "$pid")
    taskset -c 1 hey -z "${STORM}s" -c 32 -m POST -T application/json -d "$body" \
        http://127.0.0.1:8079/api/predict > "$WORK/hey.txt"
    c1=$(cpu_seconds "$pid")
    rss=$(awk '/VmHWM/ {print $2 / 1024}' "/proc/$pid/status")
    # The requests the app answered (hey's own count stops at a million).
    requests=$(curl -s http://127.0.0.1:8079/metrics |
        awk '/^http_requests_total\{.*endpoint="\/api\/predict"/ {n += $2} END {printf "%d", n}')
    kill -TERM "$pid"; wait "$pid" || true
    lines=$(grep -c '' "$WORK/app.log")
    written=$(grep -c '"event":"ml.inference.failure"' "$WORK/app.log" || true)
    suppressed=$( (grep '"suppressed_event":"ml.inference.failure"' "$WORK/app.log" || true) |
        sed 's/.*"suppressed":\([0-9]*\).*/\1/' | awk '{n += $1} END {print n + 0}')
    awk -v l="$limit" -v r="$requests" -v n="$lines" -v d="$STORM" -v w="$written" \
        -v s="$suppressed" -v c="$(awk -v a="$c0" -v b="$c1" 'BEGIN {print b - a}')" -v m="$rss" 'BEGIN {
        printf "%-10s %12d %12.0f %14d %12d %10.1f %10.1f\n", l, r, n / d, w, s, c, m
    }'
    echo "  ml.inference.failure lines written + suppressed: $((written + suppressed)); requests answered: $requests"
done
