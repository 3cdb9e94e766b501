//! Prometheus's classic text exposition, version 0.0.4: what every scraper reads. No exemplars
//! (the format has none); each family's `# HELP` (when described), `# TYPE` and series, and a
//! blank line after each family, as metrics-exporter-prometheus wrote it before.

use super::text::{Dialect, escape, metric_name, series};
use crate::recorder::{MetricKind, Snapshot};

/// The `Content-Type` of this format.
pub(crate) const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// Counters as named, no exemplars.
const CLASSIC: Dialect = Dialect {
    counter_suffix: b"",
    exemplars: false,
    sum_with_negative_buckets: true,
    info_suffix: b"",
};

/// `snapshot` as classic text.
pub(crate) fn render(snapshot: &Snapshot) -> Vec<u8> {
    let mut out = Vec::with_capacity(4096);
    for family in &snapshot.families {
        let mut name = Vec::new();
        metric_name(&mut name, family.name.as_str());
        if let Some(help) = &family.help {
            out.extend_from_slice(b"# HELP ");
            out.extend_from_slice(&name);
            out.push(b' ');
            escape(&mut out, help, false);
            out.push(b'\n');
        }
        out.extend_from_slice(b"# TYPE ");
        out.extend_from_slice(&name);
        out.extend_from_slice(match family.kind {
            MetricKind::Counter => b" counter\n",
            MetricKind::Gauge | MetricKind::Info => b" gauge\n",
            MetricKind::Histogram => b" histogram\n",
        });
        series(&mut out, &name, family, &CLASSIC);
        out.push(b'\n');
    }
    out
}
