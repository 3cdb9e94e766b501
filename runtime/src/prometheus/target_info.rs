//! `target_info`: who is scraped, as OpenTelemetry's Prometheus compatibility rules say: one
//! info metric whose labels are the resource's attributes (dots made underscores), with `job`
//! from `service.namespace`/`service.name` and `instance` from `service.instance.id` in their
//! place, value 1. (A scraping Prometheus keeps its own `job` and `instance` and files these as
//! `exported_job` and `exported_instance`.)

use metrics::{Key, KeyName, Label, SharedString};

use crate::recorder::{Family, MetricKind, Snapshot, SnapshotSeries, Value};
use crate::resource::Resource;

/// The metric's name.
const TARGET_INFO: &str = "target_info";

/// The attributes that become `job` and `instance` instead of labels of their own.
const AS_JOB_OR_INSTANCE: [&str; 3] = ["service.name", "service.namespace", "service.instance.id"];

/// `target_info`'s labels for `resource`: `job`, `instance`, then every other attribute.
pub(crate) fn labels(resource: &Resource) -> Vec<(String, String)> {
    let mut labels = vec![("job".to_owned(), resource.job())];
    if let Some(instance) = resource.get("service.instance.id") {
        labels.push(("instance".to_owned(), instance.text().into_owned()));
    }
    for (key, value) in resource.attributes() {
        if !AS_JOB_OR_INSTANCE.contains(&key.as_str()) {
            labels.push((label_name(key), value.text().into_owned()));
        }
    }
    labels
}

/// An attribute's key as a label name: every character but ASCII letters, digits and `_` made
/// `_`, and `key_` before a leading digit.
fn label_name(key: &str) -> String {
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

/// Adds `target_info` with `labels` to `snapshot`, in its place by name.
pub(crate) fn add(snapshot: &mut Snapshot, labels: &[(String, String)]) {
    let labels: Vec<Label> = labels
        .iter()
        .map(|(key, value)| Label::new(key.clone(), value.clone()))
        .collect();
    let family = Family {
        name: KeyName::from_const_str(TARGET_INFO),
        kind: MetricKind::Info,
        unit: None,
        help: Some(SharedString::const_str(
            "Target metadata: the service's OpenTelemetry resource.",
        )),
        series: vec![SnapshotSeries {
            key: Key::from_parts(TARGET_INFO, labels),
            value: Value::Gauge(1.0),
        }],
    };
    let at = snapshot
        .families
        .partition_point(|existing| existing.name.as_str() < TARGET_INFO);
    snapshot.families.insert(at, family);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_resource_becomes_job_instance_and_underscored_labels() {
        let resource = Resource::detect(
            Some("todo-app"),
            Some("0.3.1"),
            &[
                ("service.instance.id".into(), "pod-7".into()),
                ("service.namespace".into(), "shop".into()),
                ("3d.mode".into(), "on".into()),
            ],
        );
        let labels = labels(&resource);
        assert_eq!(labels[0], ("job".into(), "shop/todo-app".into()));
        assert_eq!(labels[1], ("instance".into(), "pod-7".into()));
        assert!(labels.contains(&("service_version".into(), "0.3.1".into())));
        assert!(labels.contains(&("key_3d_mode".into(), "on".into())));
        assert!(labels.contains(&("process_pid".into(), std::process::id().to_string())));
        assert!(!labels.iter().any(|(key, _)| key == "service_name"));
    }
}
