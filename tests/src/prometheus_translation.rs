//! OTLP metrics as Prometheus stores them, by the OpenTelemetry specification's Prometheus
//! compatibility rules (what a Collector's `prometheus` exporter and Prometheus's own OTLP
//! ingest do): each metric's name with its unit's suffix unless a `_` part of it is that suffix
//! already, and `_total` last for a monotonic sum; every series labelled `job`
//! (`service.namespace/service.name`) and `instance` (`service.instance.id`) from its resource;
//! and one `target_info` series carrying the resource's other attributes.

use std::collections::BTreeMap;

use opentelemetry_proto::tonic::metrics::v1::Metric;
use opentelemetry_proto::tonic::metrics::v1::metric::Data;
use serde_json::Value;

/// One series: its label names and values.
pub type Labels = BTreeMap<String, String>;

/// The Prometheus name of `metric`.
pub fn name(metric: &Metric) -> String {
    let monotonic = matches!(&metric.data, Some(Data::Sum(sum)) if sum.is_monotonic);
    let mut parts: Vec<String> = metric
        .name
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|part| !part.is_empty())
        .map(str::to_owned)
        .collect();
    if monotonic {
        parts.retain(|part| part != "total");
    }
    let suffix = match metric.unit.as_str() {
        "s" => "seconds",
        "ms" => "milliseconds",
        "By" => "bytes",
        "%" => "percent",
        "1" if matches!(metric.data, Some(Data::Gauge(_))) => "ratio",
        _ => "",
    };
    if !suffix.is_empty() && !parts.iter().any(|part| part == suffix) {
        parts.push(suffix.to_owned());
    }
    if monotonic {
        parts.push("total".to_owned());
    }
    parts.join("_")
}

/// A label name made of an attribute key.
pub fn label_name(key: &str) -> String {
    let name: String = key
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    if name.starts_with(|c: char| c.is_ascii_digit()) {
        format!("key_{name}")
    } else {
        name
    }
}

fn text(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}

/// `job` and `instance` of `resource`.
pub fn job_and_instance(resource: &BTreeMap<String, Value>) -> Labels {
    let name = resource.get("service.name").map(text).unwrap_or_default();
    let job = match resource.get("service.namespace") {
        Some(namespace) => format!("{}/{name}", text(namespace)),
        None => name,
    };
    let mut labels = Labels::from([("job".to_owned(), job)]);
    if let Some(instance) = resource.get("service.instance.id") {
        labels.insert("instance".to_owned(), text(instance));
    }
    labels
}

/// Every series of one export, by family: `metrics` with `resource`'s `job` and `instance`,
/// and `target_info`.
pub fn families(
    resource: &BTreeMap<String, Value>,
    metrics: &[Metric],
) -> BTreeMap<String, Vec<Labels>> {
    let identity = job_and_instance(resource);
    let mut families = BTreeMap::<String, Vec<Labels>>::new();
    for metric in metrics {
        let points: Vec<&[opentelemetry_proto::tonic::common::v1::KeyValue]> = match &metric.data {
            Some(Data::Sum(sum)) => sum.data_points.iter().map(|p| &p.attributes[..]).collect(),
            Some(Data::Gauge(gauge)) => gauge
                .data_points
                .iter()
                .map(|p| &p.attributes[..])
                .collect(),
            Some(Data::Histogram(histogram)) => histogram
                .data_points
                .iter()
                .map(|p| &p.attributes[..])
                .collect(),
            Some(Data::ExponentialHistogram(histogram)) => histogram
                .data_points
                .iter()
                .map(|p| &p.attributes[..])
                .collect(),
            other => panic!("{} exported as {other:?}", metric.name),
        };
        let series = families.entry(name(metric)).or_default();
        for attributes in points {
            let mut labels = identity.clone();
            for pair in attributes {
                use opentelemetry_proto::tonic::common::v1::any_value::Value as Any;
                let value = match pair.value.as_ref().and_then(|value| value.value.as_ref()) {
                    Some(Any::StringValue(text)) => text.clone(),
                    Some(Any::IntValue(value)) => value.to_string(),
                    Some(Any::DoubleValue(value)) => value.to_string(),
                    Some(Any::BoolValue(value)) => value.to_string(),
                    _ => String::new(),
                };
                labels.insert(label_name(&pair.key), value);
            }
            series.push(labels);
        }
    }
    let mut info = identity;
    for (key, value) in resource {
        if !["service.name", "service.namespace", "service.instance.id"].contains(&key.as_str()) {
            info.insert(label_name(key), text(value));
        }
    }
    families.insert("target_info".to_owned(), vec![info]);
    families
}
