//! The OpenMetrics 1.0.0 text exposition, with exemplars: what Prometheus asks for first, and the
//! one text format whose exemplars it keeps. Counters are named as the specification says (the
//! family without `_total`, its sample with it), a family's `# UNIT` is written when its name
//! ends with the unit, no blank line separates families, and `# EOF` ends it.
//!
//! An exemplar follows its bucket or counter sample:
//! `operation_duration_seconds_bucket{name="ml.inference",outcome="success",le="0.01"} 8 # {trace_id="4bf9…",span_id="00f0…"} 0.0042 1733079607.123`.

use super::text::{Dialect, escape, metric_name, series};
use crate::recorder::{MetricKind, Snapshot};

/// The `Content-Type` of this format.
pub(crate) const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

/// Counters' samples with `_total`, exemplars on them and on buckets, and no sum for a histogram
/// with negative buckets (it would not be a counter's, as the specification requires).
const OPENMETRICS: Dialect = Dialect {
    counter_suffix: b"_total",
    exemplars: true,
    sum_with_negative_buckets: false,
    info_suffix: b"_info",
};

/// `snapshot` as OpenMetrics text.
pub(crate) fn render(snapshot: &Snapshot) -> Vec<u8> {
    let mut out = Vec::with_capacity(4096);
    for family in &snapshot.families {
        let mut name = Vec::new();
        metric_name(&mut name, family.name.as_str());
        for (kind, suffix) in [
            (MetricKind::Counter, &b"_total"[..]),
            (MetricKind::Info, &b"_info"[..]),
        ] {
            if family.kind == kind && name.ends_with(suffix) {
                name.truncate(name.len() - suffix.len());
            }
        }
        out.extend_from_slice(b"# TYPE ");
        out.extend_from_slice(&name);
        out.extend_from_slice(match family.kind {
            MetricKind::Counter => b" counter\n",
            MetricKind::Gauge => b" gauge\n",
            MetricKind::Histogram => b" histogram\n",
            MetricKind::Info => b" info\n",
        });
        if let Some(unit) = family.unit.and_then(unit_name)
            && name.ends_with(format!("_{unit}").as_bytes())
        {
            out.extend_from_slice(b"# UNIT ");
            out.extend_from_slice(&name);
            out.push(b' ');
            out.extend_from_slice(unit.as_bytes());
            out.push(b'\n');
        }
        if let Some(help) = &family.help {
            out.extend_from_slice(b"# HELP ");
            out.extend_from_slice(&name);
            out.push(b' ');
            escape(&mut out, help, true);
            out.push(b'\n');
        }
        series(&mut out, &name, family, &OPENMETRICS);
    }
    out.extend_from_slice(b"# EOF\n");
    out
}

/// The unit as OpenMetrics names it, for the units it has names for.
fn unit_name(unit: metrics::Unit) -> Option<&'static str> {
    use metrics::Unit;
    Some(match unit {
        Unit::Seconds => "seconds",
        Unit::Milliseconds => "milliseconds",
        Unit::Microseconds => "microseconds",
        Unit::Nanoseconds => "nanoseconds",
        Unit::Bytes => "bytes",
        Unit::Percent => "ratio",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use metrics::Recorder as _;

    use crate::recorder::{Buckets, MetricsRecorder};

    #[test]
    fn families_units_counters_and_the_end_are_written_as_the_specification_says() {
        let recorder = MetricsRecorder::new(Buckets::new(&[0.1], &[]).unwrap(), 10);
        let metadata = metrics::Metadata::new("test", metrics::Level::INFO, None);
        recorder.describe_counter("jobs".into(), None, "Jobs \"done\".".into());
        recorder
            .register_counter(&metrics::Key::from_name("jobs"), &metadata)
            .increment(2);
        recorder
            .register_histogram(&metrics::Key::from_name("wait_seconds"), &metadata)
            .record(0.05);
        recorder.describe_histogram(
            "wait_seconds".into(),
            Some(metrics::Unit::Seconds),
            "Wait.".into(),
        );
        let text = String::from_utf8(super::render(&recorder.snapshot())).unwrap();
        let ours: String = text
            .lines()
            .filter(|line| {
                line.contains("jobs") || line.contains("wait") || line.starts_with("# EOF")
            })
            .map(|line| format!("{line}\n"))
            .collect();
        assert_eq!(
            ours,
            "# TYPE jobs counter\n# HELP jobs Jobs \\\"done\\\".\njobs_total 2\n\
             # TYPE wait_seconds histogram\n# UNIT wait_seconds seconds\n# HELP wait_seconds Wait.\n\
             wait_seconds_bucket{le=\"0.1\"} 1\nwait_seconds_bucket{le=\"+Inf\"} 1\n\
             wait_seconds_sum 0.05\nwait_seconds_count 1\n# EOF\n"
        );
        assert!(text.ends_with("# EOF\n"));
    }
}
