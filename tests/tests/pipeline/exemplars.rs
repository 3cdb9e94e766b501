//! Metrics that lead to traces: every histogram bucket and counter tripod's recorder holds keeps
//! the latest exemplar from the sampled span current when a value was recorded (tripod's own
//! metrics and the application's `metrics::histogram!`/`counter!` alike), OpenMetrics carries
//! them, and the classic text lists the same series without them. Read back with a strict
//! OpenMetrics parser that is not tripod's (Python's `prometheus-client`).

use std::collections::BTreeMap;
use std::time::Duration;

use serde_json::Value;
use tripod::{MetricsFormat, Telemetry};
use tripod_tests::backends::{MemoryLog, openmetrics_parse, promtool_check_metrics};

use crate::support::model::predict;

/// Telemetry built (not installed) with `sampler`, its lines in `log`.
fn telemetry(sampler: &'static str, log: &MemoryLog) -> Telemetry {
    tripod::init()
        .environment(move |name| (name == "OTEL_TRACES_SAMPLER").then(|| sampler.to_owned()))
        .log_writer(log.clone())
        .build()
        .expect("builds")
}

/// Runs `f` with `telemetry`'s subscriber and recorder for this thread.
fn with<R>(telemetry: &Telemetry, f: impl FnOnce() -> R) -> R {
    let recorder = telemetry.recorder().expect("built, not installed");
    tracing::dispatcher::with_default(telemetry.dispatch(), || {
        metrics::with_local_recorder(recorder, f)
    })
}

fn openmetrics(telemetry: &Telemetry) -> String {
    let handle = telemetry.prometheus_handle().expect("Prometheus is on");
    String::from_utf8(handle.render_as(MetricsFormat::OpenMetrics)).unwrap()
}

/// The samples of `exposition` named `name` whose labels include `labels`, as the Python parser
/// read them.
fn samples(exposition: &str, name: &str, labels: &[(&str, &str)]) -> Vec<Value> {
    openmetrics_parse(exposition)
        .unwrap_or_else(|error| panic!("the OpenMetrics parser refused it: {error}\n{exposition}"))
        .into_iter()
        .filter(|sample| sample["name"] == name)
        .filter(|sample| labels.iter().all(|(k, v)| sample["labels"][*k] == *v))
        .collect()
}

fn exemplars(samples: &[Value]) -> Vec<&Value> {
    samples
        .iter()
        .filter_map(|sample| sample["exemplar"].as_object().map(|_| &sample["exemplar"]))
        .collect()
}

#[test]
fn a_sampled_call_leaves_its_own_span_as_the_exemplar_of_its_bucket_and_of_its_error_counter() {
    let log = MemoryLog::default();
    let telemetry = telemetry("always_on", &log);
    with(&telemetry, || {
        predict("friendly staff").unwrap();
        predict("").unwrap_err();
    });
    assert!(telemetry.flush(Duration::from_secs(5)));
    let success = &log.events("ml.inference.success")[0];
    let failure = &log.events("ml.inference.failure")[0];
    let exposition = openmetrics(&telemetry);

    let buckets = samples(
        &exposition,
        "operation_duration_seconds_bucket",
        &[("name", "ml.inference"), ("outcome", "success")],
    );
    let found = exemplars(&buckets);
    assert_eq!(found.len(), 1, "one bucket got the call: {exposition}");
    assert_eq!(found[0]["labels"]["trace_id"], success["trace_id"]);
    assert_eq!(
        found[0]["labels"]["span_id"], success["span_id"],
        "the exemplar is the call's own span, not its parent's"
    );
    let seconds = found[0]["value"].as_f64().unwrap();
    let duration_ms = success["duration_ms"].as_f64().unwrap();
    assert!(
        (seconds * 1e3 - duration_ms).abs() < 1e-6,
        "the exemplar's value is the call's duration: {seconds} s, {duration_ms} ms"
    );
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs_f64();
    let at = found[0]["timestamp"].as_f64().expect("a timestamp");
    assert!(
        (now - 60.0..=now + 1.0).contains(&at),
        "{at} is not now ({now})"
    );

    let errors = samples(
        &exposition,
        "operation_errors_total",
        &[("name", "ml.inference"), ("error_type", "EmptyInput")],
    );
    assert_eq!(errors.len(), 1, "{exposition}");
    assert_eq!(errors[0]["value"], 1.0);
    let exemplar = &errors[0]["exemplar"];
    assert_eq!(exemplar["labels"]["trace_id"], failure["trace_id"]);
    assert_eq!(exemplar["labels"]["span_id"], failure["span_id"]);
    assert_eq!(exemplar["value"], 1.0);
}

#[test]
fn unsampled_calls_and_values_recorded_outside_any_span_leave_no_exemplar() {
    let log = MemoryLog::default();
    let telemetry = telemetry("always_off", &log);
    with(&telemetry, || {
        predict("not sampled").unwrap();
        predict("").unwrap_err();
        metrics::histogram!("queue_wait_seconds").record(0.25);
        metrics::counter!("jobs_total").increment(1);
    });
    let exposition = openmetrics(&telemetry);
    let parsed = openmetrics_parse(&exposition).expect("it parses");
    assert!(
        parsed.iter().all(|sample| sample["exemplar"].is_null()),
        "{exposition}"
    );
    assert!(exposition.contains("operation_duration_seconds_count{name=\"ml.inference\""));

    // Sampled telemetry, but no span at all.
    let sampled = telemetry_sampled_outside_spans();
    assert!(!sampled.contains(" # {"), "{sampled}");
}

fn telemetry_sampled_outside_spans() -> String {
    let telemetry = telemetry("always_on", &MemoryLog::default());
    with(&telemetry, || {
        metrics::histogram!("queue_wait_seconds").record(0.25);
        metrics::counter!("jobs_total").increment(1);
    });
    openmetrics(&telemetry)
}

#[test]
fn the_applications_own_histograms_and_counters_inside_a_span_get_exemplars_too() {
    let log = MemoryLog::default();
    let telemetry = telemetry("always_on", &log);
    with(&telemetry, || {
        let span = tracing::info_span!("job.run");
        let _entered = span.enter();
        tracing::info!("job.started");
        metrics::histogram!("queue_wait_seconds", "queue" => "emails").record(0.25);
        metrics::counter!("jobs_processed", "queue" => "emails").increment(2);
    });
    assert!(telemetry.flush(Duration::from_secs(5)));
    let line = &log.events("job.started")[0];
    let exposition = openmetrics(&telemetry);

    let waits = samples(
        &exposition,
        "queue_wait_seconds_bucket",
        &[("queue", "emails")],
    );
    let found = exemplars(&waits);
    assert_eq!(found.len(), 1, "{exposition}");
    assert_eq!(found[0]["labels"]["trace_id"], line["trace_id"]);
    assert_eq!(found[0]["labels"]["span_id"], line["span_id"]);
    assert_eq!(found[0]["value"], 0.25);

    // A counter without `_total` is named as OpenMetrics says: `jobs_processed_total`.
    let jobs = samples(&exposition, "jobs_processed_total", &[("queue", "emails")]);
    assert_eq!(jobs.len(), 1, "{exposition}");
    assert_eq!(jobs[0]["value"], 2.0);
    assert_eq!(jobs[0]["exemplar"]["labels"]["span_id"], line["span_id"]);
    assert_eq!(jobs[0]["exemplar"]["value"], 2.0);
}

/// Every sample of a text exposition, by name and labels (exemplars and comments left out).
fn values(exposition: &str) -> BTreeMap<String, f64> {
    exposition
        .lines()
        .filter(|line| !line.starts_with('#') && !line.is_empty())
        .map(|line| line.split(" # ").next().unwrap())
        .map(|line| {
            let (series, value) = line.rsplit_once(' ').unwrap();
            (series.to_owned(), value.parse::<f64>().unwrap())
        })
        .collect()
}

#[test]
fn both_formats_list_the_same_series_with_the_same_values_and_only_openmetrics_has_exemplars() {
    let log = MemoryLog::default();
    let telemetry = telemetry("always_on", &log);
    with(&telemetry, || {
        for text in ["a", "bb", "", "ccc"] {
            let _ = predict(text);
        }
        metrics::describe_counter!("jobs_total", "Jobs done.");
        metrics::describe_gauge!("queue_depth", "Jobs waiting.");
        let span = tracing::info_span!("job.run");
        span.in_scope(|| metrics::counter!("jobs_total").increment(1));
        metrics::gauge!("queue_depth").set(3.5);
    });
    let handle = telemetry.prometheus_handle().unwrap();
    let classic = handle.render();
    let openmetrics = openmetrics(&telemetry);
    assert!(
        !classic.contains(" # {"),
        "no exemplars in classic text: {classic}"
    );
    assert!(openmetrics.contains(" # {trace_id=\""), "{openmetrics}");
    assert!(openmetrics.ends_with("# EOF\n"));
    let (code, report) = promtool_check_metrics(&classic);
    assert_eq!(code, 0, "promtool check metrics: {report}\n{classic}");
    openmetrics_parse(&openmetrics).unwrap_or_else(|error| panic!("{error}\n{openmetrics}"));

    // The process's metrics are read at each scrape: they move between the two.
    let recorded = |text: &str| {
        let mut values = values(text);
        values.retain(|series, _| !series.starts_with("process_"));
        values
    };
    let classic_values = recorded(&classic);
    assert_eq!(classic_values, recorded(&openmetrics));
    assert_eq!(classic_values["jobs_total"], 1.0);
    assert_eq!(classic_values["queue_depth"], 3.5);
    assert!(
        openmetrics.contains("# TYPE jobs counter\n"),
        "the family is named without _total"
    );
}

#[test]
fn past_its_label_set_limit_a_metric_records_into_one_overflow_series_counted_and_reported_once() {
    let log = MemoryLog::default();
    let telemetry = tripod::init()
        .environment(|_| None)
        .log_writer(log.clone())
        .metric_series_limit(3)
        .build()
        .unwrap();
    with(&telemetry, || {
        for customer in 0..10 {
            metrics::counter!("orders_total", "customer" => customer.to_string()).increment(1);
        }
        // A label set admitted before the limit keeps its own series.
        metrics::counter!("orders_total", "customer" => "0").increment(1);
    });
    assert!(telemetry.flush(Duration::from_secs(5)));
    let exposition = telemetry.render_metrics().unwrap();
    let orders: Vec<&str> = exposition
        .lines()
        .filter(|line| line.starts_with("orders_total{"))
        .collect();
    assert_eq!(
        orders,
        [
            "orders_total{customer=\"0\"} 2",
            "orders_total{customer=\"1\"} 1",
            "orders_total{customer=\"2\"} 1",
            "orders_total{otel_metric_overflow=\"true\"} 7",
        ],
        "{exposition}"
    );
    assert!(
        exposition.contains("tripod_metric_overflow_total{metric=\"orders_total\"} 7"),
        "{exposition}"
    );
    let warnings = log.events("tripod.metrics.overflow");
    assert_eq!(warnings.len(), 1, "{}", log.text());
    assert_eq!(warnings[0]["level"], "warning");
    assert_eq!(warnings[0]["metric"], "orders_total");
    assert_eq!(warnings[0]["limit"], 3);
}
