//! CPU per observed call under the full stack, every span exported to a live receiver
//! (`otlp-sink`, its own process, decoding and counting what it gets) and every log line written
//! (to a writer that counts them): tripod's own subscriber (`build()`), tripod's layers over
//! tracing-subscriber's registry (`into_layer()`, the design before it), and the hand-written
//! stack (tracing-subscriber's `fmt().json()`, `tracing-opentelemetry` with the SDK's batch span
//! processor, metrics-exporter-prometheus), side by side in one run. The hand-written stack's
//! exporter discards its batches unencoded (the cheapest collector there is), so its process
//! figure flatters it.
//!
//! tripod runs four ways: traces only over OTLP with the log lines (`tripod`, the others'
//! comparison), the same with the lines written to `/dev/null` as a process's redirected stdout
//! would take them (`tripod_dev_null`: the write system calls in the figure), the same without
//! the lines (`tripod_no_lines`: what the JSON line costs), and all three signals over OTLP
//! beside the lines (`tripod_all`: what duplicating every line as an OTLP log record costs, and
//! the metric export). The metrics of every case go to one global
//! recorder (see `main`), so the metric export of `tripod_all` reads tripod's recorder with only
//! tripod's own series: its cost is per export interval, not per call (`recorder` and
//! `prometheus_render` measure reading a full recorder).
//!
//! Calls are paced (1,000, then 4 ms) so a background that keeps up drops nothing; CPU is the
//! calling thread's and the whole process's (`/proc`, the counters `getrusage` reads).
//!
//! Run: `cargo bench -p tripod-tests --bench per_call_cpu` (append `-- tripod` to run only the
//! cases named, for a profiler).

use std::time::Duration;

use tracing_subscriber::layer::SubscriberExt as _;

mod common;

use common::cpu::{CALLS, CHUNK, CountingWriter, DevNullWriter, Sink, WARM_UP, paced};
use common::hand_stack::hand_written_stack;
use common::{hand_written, observed};

/// Which of tripod's outputs a case turns on (traces always go over OTLP).
#[derive(Clone, Copy)]
struct Outputs {
    lines: bool,
    otlp_logs_and_metrics: bool,
}

fn tripod(
    sink: &Sink,
    writer: impl std::io::Write + Send + 'static,
    outputs: Outputs,
) -> tripod::Builder {
    tripod::init()
        .environment(|_| None)
        .log_writer(writer)
        .log_lines(outputs.lines)
        .otlp_endpoint(format!("http://{}", sink.address))
        .export_interval(Duration::from_millis(100))
        .otlp_logs(outputs.otlp_logs_and_metrics)
        .otlp_metrics(outputs.otlp_logs_and_metrics)
        .metric_export_interval(Duration::from_secs(1))
        // The global recorder below serves all three stacks.
        .prometheus(false)
}

struct Case {
    caller: f64,
    process: f64,
    lines: u64,
    spans: u64,
    records: u64,
    dropped: u64,
}

/// The paced calls of `observed` under `dispatch`, then what `telemetry` delivered.
fn measure_tripod(
    sink: &Sink,
    lines: &CountingWriter,
    dispatch: &tracing::Dispatch,
    telemetry: tripod::Telemetry,
) -> Case {
    let (spans, records) = (sink.received(), sink.log_records());
    let (caller, process) = tracing::dispatcher::with_default(dispatch, || {
        paced(|i| {
            observed(i).unwrap();
        })
    });
    assert!(telemetry.flush(Duration::from_secs(10)));
    Case {
        caller,
        process,
        lines: lines.lines(),
        spans: sink.received() - spans,
        records: sink.log_records() - records,
        dropped: telemetry.spans_dropped() + telemetry.log_records_dropped(),
    }
}

fn report(round: u32, name: &str, case: &Case, baseline: Option<&Case>) {
    let calls = CALLS + WARM_UP;
    let ratio = baseline.map_or(String::new(), |base| {
        format!(
            " ({:.2}x / {:.2}x the hand-written stack)",
            case.caller / base.caller,
            case.process / base.process
        )
    });
    println!(
        "  round {round} {name:<15} caller {:>5.0} ns, process {:>5.0} ns{ratio}; \
         {:.2} lines, {:.3} spans and {:.2} log records delivered per call, {} dropped",
        case.caller,
        case.process,
        case.lines as f64 / calls as f64,
        case.spans as f64 / calls as f64,
        case.records as f64 / calls as f64,
        case.dropped
    );
}

fn main() {
    let sink = Sink::start();
    // One Prometheus recorder for every stack, global as in an application: `#[observe]` caches
    // its handles per call site for the global recorder (with a local one it looks them up on
    // every call), and the hand-written stack's macros look theirs up per call either way.
    metrics::set_global_recorder(
        metrics_exporter_prometheus::PrometheusBuilder::new().build_recorder(),
    )
    .expect("the only recorder");
    let only: Vec<String> = std::env::args()
        .skip(1)
        .filter(|arg| !arg.starts_with("--"))
        .collect();
    let run = |case: &str| only.is_empty() || only.iter().any(|name| name == case);
    println!("per_call_cpu: {CALLS} calls in chunks of {CHUNK}, CPU per call");
    for round in 1..=3 {
        // The hand-written stack.
        let hand = run("hand_written").then(|| {
            let lines = CountingWriter::default();
            let writer = lines.clone();
            let (stack, provider) = hand_written_stack(move || writer.clone());
            let (caller, process) = tracing::dispatcher::with_default(&stack, || {
                paced(|i| {
                    hand_written(i).unwrap();
                })
            });
            let _ = provider.shutdown();
            let hand = Case {
                caller,
                process,
                lines: lines.lines(),
                spans: 0,
                records: 0,
                dropped: 0,
            };
            report(round, "hand_written", &hand, None);
            hand
        });
        let hand = hand.as_ref();

        // tripod's layers over the registry, then tripod's own subscriber, three ways.
        let both = Outputs {
            lines: true,
            otlp_logs_and_metrics: false,
        };
        if run("tripod_layer") {
            let lines = CountingWriter::default();
            let (layer, telemetry) = tripod(&sink, lines.clone(), both)
                .into_layer()
                .expect("builds");
            let registry = tracing::Dispatch::new(tracing_subscriber::registry().with(layer));
            let layered = measure_tripod(&sink, &lines, &registry, telemetry);
            report(round, "tripod_layer", &layered, hand);
        }
        let own = [
            ("tripod", both),
            ("tripod_dev_null", both),
            (
                "tripod_no_lines",
                Outputs {
                    lines: false,
                    ..both
                },
            ),
            (
                "tripod_all",
                Outputs {
                    otlp_logs_and_metrics: true,
                    ..both
                },
            ),
        ];
        for (name, outputs) in own {
            if run(name) {
                let lines = CountingWriter::default();
                let builder = if name == "tripod_dev_null" {
                    tripod(&sink, DevNullWriter::new(lines.clone()), outputs)
                } else {
                    tripod(&sink, lines.clone(), outputs)
                };
                let telemetry = builder.build().expect("builds");
                let dispatch = telemetry.dispatch().clone();
                let case = measure_tripod(&sink, &lines, &dispatch, telemetry);
                report(round, name, &case, hand);
            }
        }
    }
}
