//! What both text expositions share: a family's series written line by line (cumulative buckets,
//! `_sum`, `_count`, exemplars where the format has them), metric names made valid, label sets
//! and HELP texts escaped, numbers written (integers through itoa, floats as Rust's `Display`
//! writes them, which is what the exposition has always shown: `0.005`, `1`, `NaN`; infinities
//! as `+Inf`/`-Inf`).
//!
//! Hand-written: the expositions' encoders of `prometheus-client` and metrics-exporter-prometheus
//! work on their own metric types only.

use std::fmt::Write as _;
use std::sync::Arc;

use metrics::Key;

use crate::recorder::{Exemplar, Family, Value};

/// How a format writes a family's series.
pub(crate) struct Dialect {
    /// The suffix of a counter's sample (`_total` in OpenMetrics, whose family name has none).
    pub(crate) counter_suffix: &'static [u8],
    /// Whether exemplars follow bucket and counter samples.
    pub(crate) exemplars: bool,
    /// Whether a histogram with negative buckets still shows its sum.
    pub(crate) sum_with_negative_buckets: bool,
    /// The suffix of an info's sample (`_info` in OpenMetrics, whose family name has none).
    pub(crate) info_suffix: &'static [u8],
}

/// Writes each series of `family`, named `name`.
pub(crate) fn series(out: &mut Vec<u8>, name: &[u8], family: &Family, dialect: &Dialect) {
    let mut le = LeTexts::default();
    let mut series_labels = Vec::new();
    let exemplar = |out: &mut Vec<u8>, exemplar: Option<&Exemplar>| {
        if dialect.exemplars {
            write_exemplar(out, exemplar);
        }
    };
    for series in &family.series {
        series_labels.clear();
        labels(&mut series_labels, &series.key);
        match &series.value {
            Value::Counter {
                value,
                exemplar: latest,
            } => {
                sample(out, name, dialect.counter_suffix, &series_labels, None);
                integer(out, *value);
                exemplar(out, latest.as_ref());
                out.push(b'\n');
            }
            Value::Gauge(value) => {
                let suffix = match family.kind {
                    crate::recorder::MetricKind::Info => dialect.info_suffix,
                    _ => b"",
                };
                sample(out, name, suffix, &series_labels, None);
                float(out, *value);
                out.push(b'\n');
            }
            Value::FloatCounter(value) => {
                sample(out, name, dialect.counter_suffix, &series_labels, None);
                float(out, *value);
                out.push(b'\n');
            }
            Value::Histogram(histogram) => {
                let mut cumulative = 0;
                let buckets = histogram.buckets.iter().zip(le.of(&histogram.bounds));
                for ((count, bound), latest) in buckets.zip(&histogram.exemplars) {
                    cumulative += count;
                    sample(out, name, b"_bucket", &series_labels, Some(bound));
                    integer(out, cumulative);
                    exemplar(out, latest.as_ref());
                    out.push(b'\n');
                }
                let negative = histogram.bounds.first().is_some_and(|first| *first < 0.0);
                if dialect.sum_with_negative_buckets || !negative {
                    sample(out, name, b"_sum", &series_labels, None);
                    float(out, histogram.sum);
                    out.push(b'\n');
                }
                sample(out, name, b"_count", &series_labels, None);
                integer(out, histogram.count);
                out.push(b'\n');
            }
        }
    }
}

/// A sample's name and labels, and the space before its value.
fn sample(out: &mut Vec<u8>, name: &[u8], suffix: &[u8], labels: &[u8], le: Option<&[u8]>) {
    out.extend_from_slice(name);
    out.extend_from_slice(suffix);
    if !labels.is_empty() || le.is_some() {
        out.push(b'{');
        out.extend_from_slice(labels);
        if let Some(le) = le {
            if !labels.is_empty() {
                out.push(b',');
            }
            out.extend_from_slice(b"le=\"");
            out.extend_from_slice(le);
            out.push(b'"');
        }
        out.push(b'}');
    }
    out.push(b' ');
}

/// ` # {trace_id="…",span_id="…"} value timestamp`, when there is an exemplar (the timestamp
/// in seconds, to the millisecond).
fn write_exemplar(out: &mut Vec<u8>, exemplar: Option<&Exemplar>) {
    let Some(exemplar) = exemplar else { return };
    out.extend_from_slice(b" # {");
    label_pair(out, "trace_id", &exemplar.trace_id.to_string());
    out.push(b',');
    label_pair(out, "span_id", &exemplar.span_id.to_string());
    out.extend_from_slice(b"} ");
    float(out, exemplar.value);
    out.push(b' ');
    integer(out, exemplar.unix_nanos / 1_000_000_000);
    let millis = exemplar.unix_nanos / 1_000_000 % 1000;
    out.extend_from_slice(&[
        b'.',
        b'0' + (millis / 100) as u8,
        b'0' + (millis / 10 % 10) as u8,
        b'0' + (millis % 10) as u8,
    ]);
}

/// The `le` values of a family's histograms, written once per distinct bucket list.
#[derive(Default)]
struct LeTexts {
    of: Option<Arc<[f64]>>,
    texts: Vec<Vec<u8>>,
}

impl LeTexts {
    fn of(&mut self, bounds: &Arc<[f64]>) -> &[Vec<u8>] {
        if self.of.as_ref().is_none_or(|of| !Arc::ptr_eq(of, bounds)) {
            self.texts = bounds
                .iter()
                .map(|bound| crate::metric_names::bound_text(*bound).into_bytes())
                .chain([b"+Inf".to_vec()])
                .collect();
            self.of = Some(bounds.clone());
        }
        &self.texts
    }
}

/// `name` as a Prometheus metric name: characters outside `[a-zA-Z0-9_:]` (and a leading digit)
/// become `_`.
pub(crate) fn metric_name(out: &mut Vec<u8>, name: &str) {
    for (i, c) in name.chars().enumerate() {
        let valid =
            c.is_ascii_alphabetic() || c == '_' || c == ':' || (i > 0 && c.is_ascii_digit());
        out.push(if valid { c as u8 } else { b'_' });
    }
}

/// `key`'s labels as `a="1",b="2"` (no braces), label names made valid, values escaped.
fn labels(out: &mut Vec<u8>, key: &Key) {
    for (i, label) in key.labels().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        label_pair(out, label.key(), label.value());
    }
}

/// One `name="value"` pair.
fn label_pair(out: &mut Vec<u8>, name: &str, value: &str) {
    label_name(out, name);
    out.extend_from_slice(b"=\"");
    escape(out, value, true);
    out.push(b'"');
}

/// `name` as a Prometheus label name: characters outside `[a-zA-Z0-9_]` (and a leading digit)
/// become `_`.
pub(crate) fn label_name(out: &mut Vec<u8>, name: &str) {
    for (i, c) in name.chars().enumerate() {
        let valid = c.is_ascii_alphabetic() || c == '_' || (i > 0 && c.is_ascii_digit());
        out.push(if valid { c as u8 } else { b'_' });
    }
}

/// Escapes `\`, newlines and, when `quotes`, `"`.
pub(crate) fn escape(out: &mut Vec<u8>, value: &str, quotes: bool) {
    for byte in value.bytes() {
        match byte {
            b'\\' => out.extend_from_slice(b"\\\\"),
            b'\n' => out.extend_from_slice(b"\\n"),
            b'"' if quotes => out.extend_from_slice(b"\\\""),
            byte => out.push(byte),
        }
    }
}

/// A float: `+Inf`, `-Inf`, `NaN`, or as `Display` writes it.
pub(crate) fn float(out: &mut Vec<u8>, value: f64) {
    if value == f64::INFINITY {
        out.extend_from_slice(b"+Inf");
    } else if value == f64::NEG_INFINITY {
        out.extend_from_slice(b"-Inf");
    } else if value.is_nan() {
        out.extend_from_slice(b"NaN");
    } else {
        let _ = write!(Bytes(out), "{value}");
    }
}

/// `fmt::Write` into a byte buffer.
struct Bytes<'a>(&'a mut Vec<u8>);

impl std::fmt::Write for Bytes<'_> {
    fn write_str(&mut self, text: &str) -> std::fmt::Result {
        self.0.extend_from_slice(text.as_bytes());
        Ok(())
    }
}

fn integer(out: &mut Vec<u8>, value: u64) {
    out.extend_from_slice(itoa::Buffer::new().format(value).as_bytes());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_labels_and_numbers_are_written_as_prometheus_reads_them() {
        let mut out = Vec::new();
        metric_name(&mut out, "db.query-time");
        out.push(b' ');
        label_pair(&mut out, "user.id", "a\"b\\c\nd");
        out.push(b' ');
        for value in [0.005, 1.0, 10.0, f64::INFINITY, f64::NAN, -0.5] {
            float(&mut out, value);
            out.push(b' ');
        }
        assert_eq!(
            String::from_utf8(out).unwrap(),
            r#"db_query_time user_id="a\"b\\c\nd" 0.005 1 10 +Inf NaN -0.5 "#
        );
    }
}
