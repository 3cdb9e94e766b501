//! Metrics over OTLP, decoded by a real OTLP receiver: the histogram of an observed operation
//! counts every call, with its bounds, sum, min, max and exemplars that name the calls' spans;
//! counters are monotonic sums and gauges gauges, under the names and labels `/metrics` shows;
//! cumulative by default, and with delta temporality each export reports only what changed; and
//! translated back by the OpenTelemetry specification's Prometheus compatibility rules, the
//! exported metrics are the series `/metrics` shows.

use std::collections::HashMap;
use std::time::Duration;

use opentelemetry_proto::tonic::metrics::v1::{Metric, metric::Data, number_data_point};
use tripod_tests::backends::MemoryLog;
use tripod_tests::otlp_receiver::{OtlpReceiver, hex, string_attribute};
use tripod_tests::prometheus_translation;

use crate::support::model::predict;

fn telemetry(receiver: &OtlpReceiver, temporality: &str, log: &MemoryLog) -> tripod::Telemetry {
    let vars = HashMap::from([
        ("OTEL_EXPORTER_OTLP_ENDPOINT", receiver.endpoint()),
        // Long: only flushes export, so each export's content is known.
        ("OTEL_METRIC_EXPORT_INTERVAL", "600000".to_owned()),
        (
            "OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE",
            temporality.to_owned(),
        ),
    ]);
    tripod::init()
        .environment(move |name| vars.get(name).cloned())
        .log_writer(log.clone())
        .build()
        .expect("builds")
}

/// Runs `f` with the telemetry's subscriber and recorder for this thread.
fn with(telemetry: &tripod::Telemetry, f: impl FnOnce()) {
    let recorder = telemetry.recorder().expect("metrics go over OTLP");
    tracing::dispatcher::with_default(telemetry.dispatch(), || {
        metrics::with_local_recorder(recorder, f)
    });
}

fn metric<'a>(export: &'a [Metric], name: &str) -> &'a Metric {
    export
        .iter()
        .find(|metric| metric.name == name)
        .unwrap_or_else(|| panic!("no {name} in {export:#?}"))
}

#[test]
fn the_operations_histogram_counts_every_call_and_its_exemplars_name_the_calls_spans() {
    let receiver = OtlpReceiver::start();
    let log = MemoryLog::default();
    let telemetry = telemetry(&receiver, "cumulative", &log);
    with(&telemetry, || {
        for text in ["great", "lovely food", "ok", ""] {
            let _ = predict(text);
        }
    });
    assert!(telemetry.flush(Duration::from_secs(10)));
    let exports = receiver.metric_exports();
    assert_eq!(exports.len(), 1, "one reading per flush: {exports:#?}");
    let export = &exports[0];

    let duration = metric(export, "operation_duration_seconds");
    assert_eq!(duration.unit, "s");
    assert!(!duration.description.is_empty());
    let Some(Data::Histogram(histogram)) = &duration.data else {
        panic!("{duration:?}")
    };
    assert_eq!(histogram.aggregation_temporality, 2, "cumulative");
    let success = histogram
        .data_points
        .iter()
        .find(|point| string_attribute(&point.attributes, "outcome") == Some("success"))
        .unwrap();
    assert_eq!(
        string_attribute(&success.attributes, "name"),
        Some("ml.inference")
    );
    assert_eq!(
        string_attribute(&success.attributes, "model_name"),
        Some("classifier")
    );
    assert_eq!(success.count, 3, "every successful call");
    assert_eq!(success.bucket_counts.iter().sum::<u64>(), 3);
    assert_eq!(success.explicit_bounds, tripod::DEFAULT_BUCKETS);
    let (min, max, sum) = (
        success.min.unwrap(),
        success.max.unwrap(),
        success.sum.unwrap(),
    );
    assert!(0.0 < min && min <= max && max <= sum, "{min} {max} {sum}");
    let spans = receiver.wait_for_spans(4, Duration::from_secs(10));
    assert!(!success.exemplars.is_empty());
    for exemplar in &success.exemplars {
        let span = spans
            .iter()
            .find(|span| span.span_id == hex(&exemplar.span_id))
            .unwrap_or_else(|| panic!("the exemplar's span was exported: {exemplar:?}"));
        assert_eq!(span.trace_id, hex(&exemplar.trace_id));
        assert_eq!(span.name, "ml.inference");
    }

    let errors = metric(export, "operation_errors_total");
    let Some(Data::Sum(sum)) = &errors.data else {
        panic!()
    };
    assert!(sum.is_monotonic);
    assert_eq!(sum.data_points.len(), 1);
    assert_eq!(
        sum.data_points[0].value,
        Some(number_data_point::Value::AsInt(1))
    );
    assert_eq!(
        string_attribute(&sum.data_points[0].attributes, "error_type"),
        Some("EmptyInput")
    );
    let in_flight = metric(export, "operation_in_flight");
    assert!(matches!(in_flight.data, Some(Data::Gauge(_))));
    assert_eq!(
        in_flight.unit, "",
        "a count carries no unit a translation would add to"
    );
}

#[test]
fn with_delta_temporality_each_export_reports_only_what_changed_since_the_last() {
    let receiver = OtlpReceiver::start();
    let log = MemoryLog::default();
    let telemetry = telemetry(&receiver, "delta", &log);
    with(&telemetry, || {
        for _ in 0..3 {
            predict("first").unwrap();
        }
    });
    assert!(telemetry.flush(Duration::from_secs(10)));
    with(&telemetry, || {
        predict("second").unwrap();
    });
    assert!(telemetry.flush(Duration::from_secs(10)));
    assert!(telemetry.flush(Duration::from_secs(10)));
    let exports = receiver.metric_exports();
    assert_eq!(exports.len(), 3, "{exports:#?}");
    let counts: Vec<Option<u64>> = exports
        .iter()
        .map(|export| {
            let duration = export
                .iter()
                .find(|metric| metric.name == "operation_duration_seconds")?;
            let Some(Data::Histogram(histogram)) = &duration.data else {
                panic!()
            };
            assert_eq!(histogram.aggregation_temporality, 1, "delta");
            Some(histogram.data_points.iter().map(|point| point.count).sum())
        })
        .collect();
    assert_eq!(
        counts,
        [Some(3), Some(1), None],
        "the third export had no call to report (its gauge is all it holds): {exports:#?}"
    );
}

#[test]
fn shutting_down_exports_a_last_reading_with_every_call_since_the_previous() {
    let receiver = OtlpReceiver::start();
    let log = MemoryLog::default();
    let telemetry = telemetry(&receiver, "cumulative", &log);
    with(&telemetry, || {
        predict("just before the end").unwrap();
    });
    // No flush and an interval of ten minutes: the only reading is the one shutting down makes.
    drop(telemetry);
    let exports = receiver.metric_exports();
    assert_eq!(exports.len(), 1, "{exports:#?}");
    let duration = metric(&exports[0], "operation_duration_seconds");
    let Some(Data::Histogram(histogram)) = &duration.data else {
        panic!("{duration:?}")
    };
    assert_eq!(
        histogram
            .data_points
            .iter()
            .map(|point| point.count)
            .sum::<u64>(),
        1
    );
}

/// The families of a classic Prometheus text, with each series' label names (histograms by
/// their `_count` series).
fn scraped(text: &str) -> std::collections::BTreeMap<String, Vec<Vec<String>>> {
    let mut families = std::collections::BTreeMap::<String, Vec<Vec<String>>>::new();
    let mut kinds = HashMap::new();
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("# TYPE ") {
            let (name, kind) = rest.split_once(' ').unwrap();
            kinds.insert(name.to_owned(), kind.to_owned());
            families.entry(name.to_owned()).or_default();
            continue;
        }
        if line.starts_with('#') || line.is_empty() {
            continue;
        }
        // The value is last; a label value may hold spaces.
        let series = line.rsplit_once(' ').map_or(line, |(series, _)| series);
        let (name, labels) = series.split_once('{').unwrap_or((series, ""));
        let family = match name.strip_suffix("_count") {
            Some(family) if kinds.get(family).map(String::as_str) == Some("histogram") => family,
            _ if kinds.contains_key(name) => name,
            _ => continue,
        };
        let mut keys: Vec<String> = labels
            .trim_end_matches('}')
            .split(',')
            .filter_map(|pair| pair.split_once('=').map(|(key, _)| key.to_owned()))
            .collect();
        keys.sort();
        families.get_mut(family).unwrap().push(keys);
    }
    families
}

#[test]
fn translated_by_the_prometheus_compatibility_rules_the_export_is_what_metrics_shows() {
    let receiver = OtlpReceiver::start();
    let log = MemoryLog::default();
    let vars = HashMap::from([
        ("OTEL_EXPORTER_OTLP_ENDPOINT", receiver.endpoint()),
        ("OTEL_METRIC_EXPORT_INTERVAL", "600000".to_owned()),
    ]);
    let telemetry = tripod::init()
        .environment(move |name| vars.get(name).cloned())
        .log_writer(log.clone())
        .build()
        .expect("builds");
    with(&telemetry, || {
        for text in ["great", ""] {
            let _ = predict(text);
        }
        metrics::counter!("todos_created_total", "list" => "inbox").increment(2);
        metrics::describe_histogram!("payload_size_bytes", metrics::Unit::Bytes, "Body sizes.");
        metrics::histogram!("payload_size_bytes").record(512.0);
    });
    assert!(telemetry.flush(Duration::from_secs(10)));
    let mut scrape = scraped(&telemetry.prometheus_handle().expect("/metrics").render());
    let exports = receiver.metric_exports_with_resource();
    let (resource, metrics) = exports.last().expect("an export");
    // A scrape has no `job` and `instance` on its series: its scraper adds them.
    let mut translated: std::collections::BTreeMap<String, Vec<Vec<String>>> =
        prometheus_translation::families(resource, metrics)
            .into_iter()
            .map(|(family, series)| {
                let keys = series
                    .into_iter()
                    .map(|labels| {
                        labels
                            .into_keys()
                            .filter(|key| {
                                family == "target_info" || (key != "job" && key != "instance")
                            })
                            .collect()
                    })
                    .collect();
                (family, keys)
            })
            .collect();
    for label_sets in translated.values_mut().chain(scrape.values_mut()) {
        label_sets.sort();
    }
    assert!(translated.contains_key("operation_duration_seconds"));
    assert!(translated.contains_key("payload_size_bytes"));
    assert!(translated.contains_key("process_cpu_seconds_total"));
    assert_eq!(translated, scrape, "the same families and series");
}
