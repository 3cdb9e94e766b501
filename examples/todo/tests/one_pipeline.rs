//! One record stream, one collector: the same scenario run through `install()`, through
//! `into_layer()` in a subscriber stack of the application's own, and through a span-field
//! `RUST_LOG` directive (which takes the composable path) gives the same lines, the same exported
//! spans with their attributes and parents, the same log records and the same metric values,
//! apart from ids and times.
//!
//! Each path runs in a child process of this test binary (the ignored test `scenario`), since
//! sqlx reports its statements on its own worker thread, which only a process-wide subscriber
//! sees; all three send to one in-process OTLP receiver, told apart by their service names.

mod common;

use std::collections::BTreeMap;
use std::future::Future;
use std::pin::pin;
use std::task::{Context, Waker};
use std::time::Duration;

use common::{TempDb, send};
use serde_json::Value;
use tripod::trace::{SpanContext, with_remote_parent};
use tripod_tests::otlp_receiver::{OtlpReceiver, ReceivedLogRecord, ReceivedSpan};

/// The paths, as the child is told which to take.
const PATHS: [&str; 3] = ["install", "layer", "directive"];

/// The caller of the remote-parent case.
const CALLER: &str = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";

#[derive(Debug)]
struct Shape {
    sides: u32,
}

/// A failure an application expects: logged at WARN, the span's status unset.
#[derive(Debug, tripod::ErrorType)]
#[error_type(level = "warn")]
enum RenderError {
    Empty,
}

impl std::fmt::Display for RenderError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("nothing to render")
    }
}

#[tripod::observe(name = "scenario.render", ret, fields(user = %user, shape = ?shape))]
fn render(user: &str, shape: &Shape) -> Result<u32, RenderError> {
    // An event from another crate, inside the call.
    tracing::warn!(target: "hyper::proto", retries = 2_u64, "connection reset");
    if shape.sides == 0 {
        return Err(RenderError::Empty);
    }
    Ok(shape.sides * 2)
}

#[tripod::observe(name = "scenario.explode")]
fn explode() -> u32 {
    panic!("the model file is corrupt")
}

#[tripod::observe(name = "scenario.wait")]
async fn wait_forever() {
    std::future::pending::<()>().await;
}

#[tripod::observe(name = "scenario.job")]
fn job() -> u32 {
    tracing::info!(step = 1_i64, ratio = 0.25, "job.step");
    7
}

/// The example's database at `url`, made before anything is observed.
fn migrate(url: &str) {
    runtime().block_on(async {
        todo_app::db::connect(url)
            .await
            .expect("the database opens")
            .close()
            .await;
    });
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

/// The scenario, on an installed subscriber and recorder, with the example's database at `url`.
async fn run_scenario(url: &str) {
    // One connection, so every path runs each statement on the same connection as the others:
    // which connection runs a statement shows in its span (a new one's setup, rows affected).
    let pool = sqlx::sqlite::SqlitePoolOptions::new()
        .max_connections(1)
        .acquire_time_level(log::LevelFilter::Debug)
        .connect(url)
        .await
        .expect("the database opens");
    let app = todo_app::app(todo_app::AppState {
        todos: todo_app::db::Todos::new(pool),
        predictor: todo_app::predictor::Predictor::shipped(),
    });
    // Nested observed calls and sqlx statements on SQLite: server span → todo.create →
    // db.todos.insert → INSERT todos.
    let (status, _) = send(
        &app,
        "POST",
        "/api/todos",
        Some(r#"{"title":"Read paper","user_id":42}"#),
    )
    .await;
    assert_eq!(status, 201);
    let (status, _) = send(&app, "GET", "/api/todos?user_id=42", None).await;
    assert_eq!(status, 200);
    // A failure below ERROR: the example's NotFound.
    let (status, _) = send(&app, "GET", "/api/todos/999", None).await;
    assert_eq!(status, 404);

    // `ret`, `%` and `?` fields, a success and a failure below ERROR.
    assert_eq!(render("ann", &Shape { sides: 3 }).unwrap(), 6);
    assert!(render("bob", &Shape { sides: 0 }).is_err());
    // A panic.
    assert!(std::panic::catch_unwind(explode).is_err());
    // A cancelled future: polled once, then dropped.
    {
        let mut waiting = pin!(wait_forever());
        let polled = waiting
            .as_mut()
            .poll(&mut Context::from_waker(Waker::noop()));
        assert!(polled.is_pending());
    }
    // A remote parent.
    let caller: SpanContext = CALLER.parse().unwrap();
    let span = with_remote_parent(Some(caller), || tracing::info_span!("scenario.remote"));
    assert_eq!(span.in_scope(job), 7);
    drop(span);
}

/// One path of the scenario, in a child process: `ONE_PIPELINE_PATH` says which, the lines go to
/// `ONE_PIPELINE_OUT.lines`, the rendered metrics to `ONE_PIPELINE_OUT.metrics`, the rest to the
/// receiver at `ONE_PIPELINE_OTLP`.
#[test]
#[ignore = "a child process of each_path_gives_the_same_lines_spans_log_records_and_metrics, which runs it once per path"]
fn scenario() {
    let path = std::env::var("ONE_PIPELINE_PATH").expect("run by each_path_gives_the_same_outputs");
    let out = std::env::var("ONE_PIPELINE_OUT").unwrap();
    let endpoint = std::env::var("ONE_PIPELINE_OTLP").unwrap();
    std::panic::set_hook(Box::new(|_| {}));
    let database = TempDb::new();
    migrate(&database.url());
    let lines = std::fs::File::create(format!("{out}.lines")).unwrap();
    let builder = tripod::init()
        .environment(|_| None)
        .service_name(path.as_str())
        .log_writer(lines)
        .database_system("sqlite")
        .otlp_endpoint(endpoint)
        .trace_viewer(false);
    let telemetry = match path.as_str() {
        "install" => builder.install().unwrap(),
        "directive" => builder
            .log_filter("info,[anything{x=1}]=debug")
            .install()
            .unwrap(),
        "layer" => {
            use tracing_subscriber::layer::SubscriberExt as _;
            let (layer, telemetry) = builder.into_layer().unwrap();
            tracing::subscriber::set_global_default(tracing_subscriber::registry().with(layer))
                .unwrap();
            metrics::set_global_recorder(telemetry.recorder().unwrap().clone()).unwrap();
            telemetry
        }
        other => panic!("no path {other}"),
    };
    runtime().block_on(run_scenario(&database.url()));
    assert!(telemetry.flush(Duration::from_secs(10)));
    std::fs::write(
        format!("{out}.metrics"),
        telemetry.render_metrics().unwrap(),
    )
    .unwrap();
    drop(telemetry);
}

/// What one path gave, with ids and times taken out.
#[derive(Debug, PartialEq)]
struct Outputs {
    lines: Vec<Value>,
    spans: Vec<String>,
    log_records: Vec<String>,
    metrics: Vec<String>,
}

/// Keys whose values are times or ids.
const VOLATILE: [&str; 7] = [
    "timestamp",
    "trace_id",
    "span_id",
    "duration_ms",
    "elapsed",
    "elapsed_secs",
    "thread.id",
];

/// A line without its times and ids (whether it had ids is kept).
fn line_shape(mut line: Value) -> Value {
    let object = line.as_object_mut().expect("a JSON object per line");
    let traced = object.contains_key("trace_id") && object.contains_key("span_id");
    for key in VOLATILE {
        object.remove(key);
    }
    object.insert("traced".into(), traced.into());
    line
}

fn attributes_shape(attributes: &BTreeMap<String, Value>) -> BTreeMap<&str, &Value> {
    attributes
        .iter()
        .filter(|(key, _)| !VOLATILE.contains(&key.as_str()))
        .map(|(key, value)| (key.as_str(), value))
        .collect()
}

/// Each span as its name, its parent's name (or the remote caller's id) and the rest of what
/// it carries but ids and times; sorted.
fn span_shapes(spans: &[ReceivedSpan]) -> Vec<String> {
    let mut shapes: Vec<String> = spans
        .iter()
        .map(|span| {
            let parent = if span.parent_span_id.is_empty() {
                "(root)".to_owned()
            } else {
                spans
                    .iter()
                    .find(|parent| parent.span_id == span.parent_span_id)
                    .map_or_else(
                        || format!("remote {}", span.parent_span_id),
                        |parent| parent.name.clone(),
                    )
            };
            format!(
                "{} < {parent} kind={} status={}:{:?} events={} links={} {:?}",
                span.name,
                span.kind,
                span.status_code,
                span.status_message,
                span.events,
                span.links.len(),
                attributes_shape(&span.attributes),
            )
        })
        .collect();
    shapes.sort();
    shapes
}

fn log_record_shapes(records: &[ReceivedLogRecord]) -> Vec<String> {
    let mut shapes: Vec<String> = records
        .iter()
        .map(|record| {
            format!(
                "{} {} {}/{} body={:?} traced={} flags={} {:?}",
                record.event_name,
                record.scope,
                record.severity_number,
                record.severity_text,
                record.body,
                !record.trace_id.is_empty(),
                record.flags,
                attributes_shape(&record.attributes),
            )
        })
        .collect();
    shapes.sort();
    shapes
}

/// The exposition's series whose values do not depend on time: counters, gauges and histogram
/// counts (sums and buckets hold durations). tripod's own exporter counters are left out: they
/// appear when the export threads first meet the recorder, which the application installs after
/// `into_layer()` has started them.
fn metric_shapes(exposition: &str) -> Vec<String> {
    // The process's, the runtime's and `target_info` describe the process, not the calls.
    let about_the_process = ["tripod_", "process_", "tokio_", "target_info"];
    let mut lines: Vec<String> = exposition
        .lines()
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .filter(|line| {
            !about_the_process
                .iter()
                .any(|prefix| line.starts_with(prefix))
        })
        .filter(|line| {
            let name = line.split(['{', ' ']).next().unwrap_or_default();
            !name.ends_with("_sum") && !name.ends_with("_bucket")
        })
        .map(str::to_owned)
        .collect();
    lines.sort();
    lines
}

/// Runs the scenario through `path` in a child process.
fn run_path(path: &str, receiver: &OtlpReceiver, dir: &std::path::Path) -> Outputs {
    let out = dir.join(path);
    let status = std::process::Command::new(std::env::current_exe().unwrap())
        .args(["scenario", "--exact", "--ignored", "--test-threads=1"])
        .env("ONE_PIPELINE_PATH", path)
        .env("ONE_PIPELINE_OUT", &out)
        .env("ONE_PIPELINE_OTLP", receiver.endpoint())
        .env_remove("RUST_LOG")
        .status()
        .unwrap();
    assert!(status.success(), "the scenario through {path} ran");
    let text = std::fs::read_to_string(out.with_extension("lines")).unwrap();
    let lines = text
        .lines()
        .map(|line| line_shape(serde_json::from_str(line).expect("a JSON line")))
        .collect();
    let spans: Vec<ReceivedSpan> = receiver
        .spans()
        .into_iter()
        .filter(|span| span.service_name == path)
        .collect();
    let records: Vec<ReceivedLogRecord> = receiver
        .log_records()
        .into_iter()
        .filter(|record| record.service_name == path)
        .collect();
    let metrics = std::fs::read_to_string(out.with_extension("metrics")).unwrap();
    Outputs {
        lines,
        spans: span_shapes(&spans),
        log_records: log_record_shapes(&records),
        metrics: metric_shapes(&metrics),
    }
}

#[test]
fn each_path_gives_the_same_lines_spans_log_records_and_metrics() {
    let receiver = OtlpReceiver::start();
    let dir = tripod_tests::backends::TempDir::new("one-pipeline");
    let outputs: Vec<Outputs> = PATHS
        .iter()
        .map(|path| run_path(path, &receiver, &dir.0))
        .collect();
    let install = &outputs[0];

    // What the scenario made, through tripod's own subscriber.
    let events: Vec<&str> = install
        .lines
        .iter()
        .filter_map(|line| line["event"].as_str())
        .collect();
    for event in [
        "todo.create.start",
        "todo.create.success",
        "db.todos.insert.success",
        "todo.get.failure",
        "scenario.render.success",
        "scenario.render.failure",
        "connection reset",
        "scenario.explode.failure",
        "scenario.wait.cancelled",
        "job.step",
        "scenario.job.success",
        "http.server.request",
    ] {
        assert!(events.contains(&event), "{event} in {events:#?}");
    }
    for span in [
        "INSERT todos < db.todos.insert",
        "SELECT todos < db.todos.list",
        "scenario.job < scenario.remote",
        "scenario.remote < remote b7ad6b7169203331",
    ] {
        assert!(
            install.spans.iter().any(|shape| shape.starts_with(span)),
            "{span} in {:#?}",
            install.spans
        );
    }
    assert!(
        install
            .log_records
            .iter()
            .any(|record| record.starts_with("scenario.render.failure")),
        "{:#?}",
        install.log_records
    );
    assert!(
        install
            .metrics
            .iter()
            .any(|line| line.starts_with("db_client_operation_duration_seconds_count")),
        "{:#?}",
        install.metrics
    );

    for (path, outputs) in PATHS.iter().zip(&outputs).skip(1) {
        assert_eq!(install.lines, outputs.lines, "lines through {path}");
        assert_eq!(install.spans, outputs.spans, "spans through {path}");
        assert_eq!(
            install.log_records, outputs.log_records,
            "log records through {path}"
        );
        assert_eq!(install.metrics, outputs.metrics, "metrics through {path}");
    }
}
