#!/usr/bin/env bash
# Load benchmark of the todo service: what telemetry costs a served request, in CPU.
#
# The app runs pinned to core 0; wrk and the OTLP receiver (`otlp-sink`, tests/src/bin/otlp-sink.rs,
# which decodes and counts spans) run pinned to core 1, so the receiver's CPU is not charged to the
# app and the app's requests/s reflect its own cost. For each endpoint (GET /api/todos, POST
# /api/predict) and each case, it reports requests/s, p99, the app process's CPU per request (every
# thread: utime + stime from /proc/PID/stat over the measured window), the Tokio workers' share
# (/proc/PID/task/*/stat of the `tokio-rt-worker` threads) and each thread's, and the spans the receiver got per
# request (a pipeline that drops spans would look cheap). Cases: telemetry off (the baseline), full
# telemetry (JSON lines to a file, Prometheus, OTLP to the receiver; a span per SQL statement), the
# same without database spans, the same with traces alone over OTLP (logs as lines only, metrics on
# /metrics only: what OTLP carried before logs and metrics went over it too), the same with the
# trace viewer, the collector down, and one trace in ten sampled.
# At full speed the app's CPU per request depends on what shares the load generator's core (a busier
# receiver there means fewer requests per wake-up of the app); with RATE=N set, the load is a fixed N
# requests a second instead (hey, 16 workers of N/16 each), a rate both cases sustain, where they
# batch alike: how a service usually runs.
# Needs wrk, hey and taskset (Debian: `apt-get install wrk hey util-linux`) and two cores.
# Usage: [RATE=8000] examples/todo/bench/load.sh [seconds per endpoint, default 10] [case ...]
# (default: all)
set -euo pipefail
cd "$(dirname "$0")/../../.."
DURATION="${1:-10}"
RATE="${RATE:-}"
shift || true
CASES="${*:-telemetry_off telemetry_on no_db_spans traces_only with_viewer collector_down sampled_1_in_10 sampled_1_in_10_no_rules}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/tmp/tripod-target}"
cargo build --release -q -p todo-app -p tripod-tests --bin todo-app --bin otlp-sink
APP="$CARGO_TARGET_DIR/release/todo-app"
WORK="$(mktemp -d)"
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$WORK"' EXIT
TICKS=$(getconf CLK_TCK)

taskset -c 1 "$CARGO_TARGET_DIR/release/otlp-sink" 4399 > /dev/null &
for _ in $(seq 50); do curl -sf http://127.0.0.1:4399/spans > /dev/null && break; sleep 0.1; done

# utime + stime of a /proc stat file, in clock ticks (fields 14 and 15; the command name, in
# parentheses, may hold spaces).
ticks() { sed 's/.*) //' "$1" | awk '{print $12 + $13}'; }
process_ticks() { ticks "/proc/$1/stat"; }
# Each thread's name and ticks, one per line, summed by name.
thread_ticks() {
    local task
    for task in /proc/"$1"/task/*; do
        echo "$(cat "$task/comm") $(ticks "$task/stat")"
    done | awk '{sum[$1] += $2} END {for (name in sum) print name, sum[name]}' | sort
}
spans() { curl -s http://127.0.0.1:4399/spans; }

printf '%-16s %-8s %10s %9s %13s %13s %10s %s\n' case endpoint 'req/s' p99 'CPU/request' 'workers/req' 'spans/req' failed
run_case() { # name, extra env...
    local name="$1"; shift
    case " $CASES " in *" $name "*) ;; *) return 0 ;; esac
    rm -f "$WORK"/todo.db*
    # TRIPOD_LOG_RATE_LIMIT=0: every line written, as before the limit on repeated lines.
    env TODO_ADDR=127.0.0.1:8077 DATABASE_URL="sqlite://$WORK/todo.db?mode=rwc" RUST_LOG=info TRIPOD_LOG_RATE_LIMIT=0 "$@" \
        taskset -c 0 "$APP" > "$WORK/$name.log" 2>&1 &
    local pid=$!
    for _ in $(seq 50); do curl -sf http://127.0.0.1:8077/healthz > /dev/null && break; sleep 0.1; done
    for i in $(seq 50); do
        curl -sf -X POST http://127.0.0.1:8077/api/todos -H 'content-type: application/json' \
            -d "{\"title\":\"todo $i\",\"user_id\":$((i % 5))}" > /dev/null
    done
    taskset -c 1 wrk -t1 -c16 -d2s http://127.0.0.1:8077/api/todos > /dev/null  # warm-up
    sleep 6  # the warm-up's spans are exported (every 5 s) before the window opens
    for endpoint in list predict; do
        local out="$WORK/$name-$endpoint.txt" cpu0 spans0
        cpu0=$(process_ticks "$pid"); thread_ticks "$pid" > "$WORK/threads0"; spans0=$(spans)
        if [ -n "$RATE" ]; then
            local body=(); [ "$endpoint" = predict ] && body=(-m POST -T application/json \
                -d '{"text":"the staff were friendly and the food was lovely"}')
            local url="http://127.0.0.1:8077/api/todos?limit=20"
            [ "$endpoint" = predict ] && url=http://127.0.0.1:8077/api/predict
            taskset -c 1 hey -z "${DURATION}s" -c 16 -q $((RATE / 16)) "${body[@]}" "$url" > "$out"
        elif [ "$endpoint" = list ]; then
            taskset -c 1 wrk -t1 -c16 -d"${DURATION}s" --latency "http://127.0.0.1:8077/api/todos?limit=20" > "$out"
        else
            taskset -c 1 wrk -t1 -c16 -d"${DURATION}s" --latency -s examples/todo/bench/predict.lua \
                http://127.0.0.1:8077/api/predict > "$out"
        fi
        local cpu1 requests rps p99 bad spans1 workers
        cpu1=$(process_ticks "$pid"); thread_ticks "$pid" > "$WORK/threads1"
        sleep 6  # the window's last spans are exported
        spans1=$(spans)
        if [ -n "$RATE" ]; then
            # hey: "[200]	80000 responses" per status, "Requests/sec:", "99% in 0.0012 secs".
            requests=$(awk '/^ *\[[0-9]+\]/ {n += $2} END {print n + 0}' "$out")
            rps=$(awk '/Requests\/sec:/ {print $2}' "$out")
            p99=$(awk '$1 == "99%" {print $3 * 1000 "ms"}' "$out")
            bad=$(awk '/^ *\[[0-9]+\]/ && $1 != "[200]" && $1 != "[201]" {n += $2} END {print n + 0}' "$out")
        else
            requests=$(awk '/requests in/ {print $1}' "$out")
            rps=$(awk '/^Requests\/sec/ {print $2}' "$out")
            p99=$(awk '$1 == "99%" {print $2}' "$out")
            bad=$(awk '/Non-2xx/ {print $5} /Socket errors/ {print "socket:" $0}' "$out")
        fi
        # Each thread's CPU per request, in µs, busiest first.
        join -a 2 -e 0 -o 0,1.2,2.2 "$WORK/threads0" "$WORK/threads1" \
            | awk -v ticks="$TICKS" -v requests="$requests" \
                '{printf "%s %.2f\n", $1, ($3 - $2) / ticks * 1000000 / requests}' \
            | sort -k2 -rn > "$WORK/per-thread"
        workers=$(awk '$1 == "tokio-rt-worker" {print $2}' "$WORK/per-thread")
        printf '%-16s %-8s %10s %9s %10.2f µs %10.2f µs %10.2f %s\n' "$name" "$endpoint" "$rps" "$p99" \
            "$(awk -v d=$((cpu1 - cpu0)) -v t="$TICKS" -v r="$requests" 'BEGIN {print d / t * 1000000 / r}')" \
            "${workers:-0}" \
            "$(awk -v d=$((spans1 - spans0)) -v r="$requests" 'BEGIN {print d / r}')" "${bad:-0}"
        echo "    threads (µs/request): $(awk '$2 > 0.05 {printf "%s %s, ", $1, $2}' "$WORK/per-thread")"
    done
    kill -TERM "$pid"; wait "$pid" || true
    echo "$name: $(wc -l < "$WORK/$name.log") log lines"
}

run_case telemetry_off TODO_TELEMETRY=off
run_case telemetry_on TODO_VIEWER=off OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:4399
run_case no_db_spans TODO_VIEWER=off TODO_DB_SPANS=off OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:4399
run_case traces_only TODO_VIEWER=off OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:4399 \
    OTEL_LOGS_EXPORTER=console OTEL_METRICS_EXPORTER=prometheus
run_case with_viewer OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:4399
run_case collector_down TODO_VIEWER=off OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:9
run_case sampled_1_in_10 TODO_VIEWER=off OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:4399 \
    OTEL_TRACES_SAMPLER=parentbased_traceidratio OTEL_TRACES_SAMPLER_ARG=0.1
# The same without the tail rules: what holding the unsampled spans for them costs.
run_case sampled_1_in_10_no_rules TODO_VIEWER=off OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:4399 \
    OTEL_TRACES_SAMPLER=parentbased_traceidratio OTEL_TRACES_SAMPLER_ARG=0.1 TRIPOD_TRACES_KEEP=none
