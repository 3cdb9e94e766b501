//! CPU per observed call under the full stack, every span exported to a live receiver
//! (`otlp-sink`, its own process, decoding and counting what it gets) and every log line written
//! (to a writer that counts them): tripod's own subscriber (`install()`), tripod's layers over
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
//! the metric export, whose cost is per export interval, not per call: `recorder` and
//! `prometheus_render` measure reading a full recorder).
//!
//! The floor beside them (`capture_only`): a `tracing` subscriber that only captures what its
//! callbacks are given into a thread-local buffer (`common::capture_only`), exporting nothing,
//! under the six callbacks of an observed call written with `tracing`'s macros
//! (`common::six_callbacks`; NOTES.md's floor). tripod's figures are given as ratios to it and to
//! the hand-written stack, both measured in the same round. `capture_observed` is the same
//! subscriber under the observed function: what the attribute's expansion adds when the
//! subscriber is not tripod's.
//!
//! Each case runs in a process of its own (this bench, run again with `PER_CALL_CPU_CASE` set),
//! so each has the global recorder an application of its kind has: tripod's for tripod's cases
//! (`#[observe]` caches its handles per call site), metrics-exporter-prometheus's for the
//! hand-written stack (its macros look their series up on every call), and no case's background
//! threads linger into another's figure.
//!
//! Calls are paced (1,000, then 4 ms) so a background that keeps up drops nothing; CPU is the
//! calling thread's and the whole process's (`/proc`, the counters `getrusage` reads).
//!
//! Run: `cargo bench -p tripod-tests --bench per_call_cpu` (append `-- tripod` to run only the
//! cases named, for a profiler).

use std::time::Duration;

use tracing_subscriber::layer::SubscriberExt as _;

mod common;

use common::capture_only::{self, CaptureOnly};
use common::cpu::{CALLS, CHUNK, CountingWriter, DevNullWriter, Sink, WARM_UP, paced};
use common::hand_stack::hand_written_stack;
use common::{hand_written, observed, six_callbacks};

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
        // Every line written, as before the limit on repeated lines: figures compare.
        .log_rate_limit(None)
        .environment(|_| None)
        .log_writer(writer)
        .log_lines(outputs.lines)
        .otlp_endpoint(format!("http://{}", sink.address))
        .export_interval(Duration::from_millis(100))
        .otlp_logs(outputs.otlp_logs_and_metrics)
        .otlp_metrics(outputs.otlp_logs_and_metrics)
        .metric_export_interval(Duration::from_secs(1))
        // The recorder `/metrics` renders, as by default; no listener.
        .prometheus(true)
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

/// The cases tripod's are compared with, as measured in the same round.
#[derive(Default)]
struct Baselines {
    hand_written: Option<Case>,
    capture_only: Option<Case>,
}

fn report(round: u32, name: &str, case: &Case, baselines: &Baselines) {
    let calls = CALLS + WARM_UP;
    let ratio = |base: &Option<Case>, what: &str| {
        base.as_ref().map_or(String::new(), |base| {
            format!(
                " ({:.2}x / {:.2}x {what})",
                case.caller / base.caller,
                case.process / base.process
            )
        })
    };
    let ratio = if name.starts_with("tripod") || name == "capture_observed" {
        ratio(&baselines.capture_only, "capture-only")
            + &ratio(&baselines.hand_written, "hand-written")
    } else {
        String::new()
    };
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

/// The cases, in the order each round runs them.
const CASES: [&str; 8] = [
    "hand_written",
    "capture_only",
    "capture_observed",
    "tripod_layer",
    "tripod",
    "tripod_dev_null",
    "tripod_no_lines",
    "tripod_all",
];

/// Set for a case's own process: its name and the receiver's address.
const CASE: &str = "PER_CALL_CPU_CASE";

fn main() {
    if let Ok(case) = std::env::var(CASE) {
        let (name, address) = case.split_once(' ').expect("NAME ADDRESS");
        let case = run_case(name, &Sink::at(address.parse().expect("an address")));
        println!(
            "{} {} {} {} {} {}",
            case.caller, case.process, case.lines, case.spans, case.records, case.dropped
        );
        return;
    }
    let sink = Sink::start();
    let only: Vec<String> = std::env::args()
        .skip(1)
        .filter(|arg| !arg.starts_with("--"))
        .collect();
    let run = |case: &str| only.is_empty() || only.iter().any(|name| name == case);
    println!("per_call_cpu: {CALLS} calls in chunks of {CHUNK}, CPU per call");
    for round in 1..=3 {
        let mut baselines = Baselines::default();
        for name in CASES.into_iter().filter(|name| run(name)) {
            let output = std::process::Command::new(std::env::current_exe().expect("this bench"))
                .env(CASE, format!("{name} {}", sink.address))
                .stderr(std::process::Stdio::inherit())
                .output()
                .expect("the case's process runs");
            assert!(output.status.success(), "{name} failed");
            let stdout = String::from_utf8_lossy(&output.stdout);
            let figures: Vec<f64> = stdout
                .lines()
                .last()
                .expect("the case's figures")
                .split(' ')
                .map(|figure| figure.parse().expect("a number"))
                .collect();
            let case = Case {
                caller: figures[0],
                process: figures[1],
                lines: figures[2] as u64,
                spans: figures[3] as u64,
                records: figures[4] as u64,
                dropped: figures[5] as u64,
            };
            report(round, name, &case, &baselines);
            match name {
                "hand_written" => baselines.hand_written = Some(case),
                "capture_only" => baselines.capture_only = Some(case),
                _ => {}
            }
        }
    }
}

/// Runs the case `name` in this process, which runs nothing else: its subscriber and recorder
/// are the process's own, as in an application.
fn run_case(name: &str, sink: &Sink) -> Case {
    let both = Outputs {
        lines: true,
        otlp_logs_and_metrics: false,
    };
    match name {
        "hand_written" => {
            // The hand-written stack's macros look their series up on every call.
            metrics::set_global_recorder(
                metrics_exporter_prometheus::PrometheusBuilder::new().build_recorder(),
            )
            .expect("the only recorder");
            let lines = CountingWriter::default();
            let writer = lines.clone();
            let (stack, provider) = hand_written_stack(move || writer.clone());
            let (caller, process) = tracing::dispatcher::with_default(&stack, || {
                paced(|i| {
                    hand_written(i).unwrap();
                })
            });
            let _ = provider.shutdown();
            Case {
                caller,
                process,
                lines: lines.lines(),
                spans: 0,
                records: 0,
                dropped: 0,
            }
        }
        "capture_only" | "capture_observed" => {
            let capture = tracing::Dispatch::new(CaptureOnly::default());
            let (caller, process) = tracing::dispatcher::with_default(&capture, || {
                if name == "capture_only" {
                    paced(|i| {
                        six_callbacks(i).unwrap();
                    })
                } else {
                    paced(|i| {
                        observed(i).unwrap();
                    })
                }
            });
            // new_span, the start event, enter, the success event, exit, close.
            assert_eq!(capture_only::callbacks(), 6 * (CALLS + WARM_UP));
            Case {
                caller,
                process,
                lines: 0,
                spans: 0,
                records: 0,
                dropped: 0,
            }
        }
        "tripod_layer" => {
            let lines = CountingWriter::default();
            let (layer, telemetry) = tripod(sink, lines.clone(), both)
                .into_layer()
                .expect("builds");
            let recorder = telemetry.recorder().expect("a recorder").clone();
            metrics::set_global_recorder(recorder).expect("the only recorder");
            let registry = tracing::Dispatch::new(tracing_subscriber::registry().with(layer));
            measure_tripod(sink, &lines, &registry, telemetry)
        }
        own => {
            let outputs = match own {
                "tripod" | "tripod_dev_null" => both,
                "tripod_no_lines" => Outputs {
                    lines: false,
                    ..both
                },
                "tripod_all" => Outputs {
                    otlp_logs_and_metrics: true,
                    ..both
                },
                other => panic!("no case {other}"),
            };
            let lines = CountingWriter::default();
            let builder = if own == "tripod_dev_null" {
                tripod(sink, DevNullWriter::new(lines.clone()), outputs)
            } else {
                tripod(sink, lines.clone(), outputs)
            };
            // As `tripod::init().install()` leaves an application: subscriber and recorder global.
            let telemetry = builder.install().expect("installs");
            let dispatch = telemetry.dispatch().clone();
            measure_tripod(sink, &lines, &dispatch, telemetry)
        }
    }
}
