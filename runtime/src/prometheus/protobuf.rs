//! Prometheus's protobuf exposition (`io.prometheus.client.MetricFamily`, length-delimited), for
//! a scraper that asks for it: the same families and series as the text expositions, with
//! exemplars on buckets and counters, and, for histograms that count in exponential buckets too
//! (`Builder::prometheus_native_histograms`), their native histogram: the schema (the
//! exponential scale, at most 5, scaled down to fit 160 buckets), the zero bucket and the
//! positive and negative spans and deltas. Prometheus (from 2.40, with
//! `--enable-feature=native-histograms`) asks for this format first and stores such a
//! histogram as one native series; the classic buckets stay in the message for everyone else.
//!
//! Encoded with prost's derive: the exposition's messages, the fields tripod fills.

use prost::Message as _;

use super::text::{label_name, metric_name};
use crate::recorder::{
    Exemplar, ExponentialValue, Family, MAX_BUCKETS, MetricKind, Snapshot, Value,
};

/// The `Content-Type` of this format.
pub(crate) const CONTENT_TYPE: &str =
    "application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited";

/// The zero bucket's width: Prometheus's client_golang's default (2⁻¹²⁸); only exact zeros are
/// counted in it.
const ZERO_THRESHOLD: f64 = 2.938_735_877_055_719e-39;

#[derive(Clone, PartialEq, prost::Message)]
struct MetricFamily {
    #[prost(string, tag = "1")]
    name: String,
    #[prost(string, tag = "2")]
    help: String,
    /// COUNTER 0, GAUGE 1, HISTOGRAM 4.
    #[prost(int32, tag = "3")]
    r#type: i32,
    #[prost(message, repeated, tag = "4")]
    metric: Vec<Metric>,
}

#[derive(Clone, PartialEq, prost::Message)]
struct LabelPair {
    #[prost(string, tag = "1")]
    name: String,
    #[prost(string, tag = "2")]
    value: String,
}

#[derive(Clone, PartialEq, prost::Message)]
struct Metric {
    #[prost(message, repeated, tag = "1")]
    label: Vec<LabelPair>,
    #[prost(message, optional, tag = "2")]
    gauge: Option<Gauge>,
    #[prost(message, optional, tag = "3")]
    counter: Option<Counter>,
    #[prost(message, optional, tag = "7")]
    histogram: Option<Histogram>,
}

#[derive(Clone, PartialEq, prost::Message)]
struct Gauge {
    #[prost(double, tag = "1")]
    value: f64,
}

#[derive(Clone, PartialEq, prost::Message)]
struct Counter {
    #[prost(double, tag = "1")]
    value: f64,
    #[prost(message, optional, tag = "2")]
    exemplar: Option<ProtoExemplar>,
}

#[derive(Clone, PartialEq, prost::Message)]
struct Histogram {
    #[prost(uint64, tag = "1")]
    sample_count: u64,
    #[prost(double, tag = "2")]
    sample_sum: f64,
    #[prost(message, repeated, tag = "3")]
    bucket: Vec<Bucket>,
    #[prost(sint32, tag = "5")]
    schema: i32,
    #[prost(double, tag = "6")]
    zero_threshold: f64,
    #[prost(uint64, tag = "7")]
    zero_count: u64,
    #[prost(message, repeated, tag = "9")]
    negative_span: Vec<BucketSpan>,
    #[prost(sint64, repeated, tag = "10")]
    negative_delta: Vec<i64>,
    #[prost(message, repeated, tag = "12")]
    positive_span: Vec<BucketSpan>,
    #[prost(sint64, repeated, tag = "13")]
    positive_delta: Vec<i64>,
}

#[derive(Clone, PartialEq, prost::Message)]
struct Bucket {
    #[prost(uint64, tag = "1")]
    cumulative_count: u64,
    #[prost(double, tag = "2")]
    upper_bound: f64,
    #[prost(message, optional, tag = "3")]
    exemplar: Option<ProtoExemplar>,
}

#[derive(Clone, PartialEq, prost::Message)]
struct BucketSpan {
    #[prost(sint32, tag = "1")]
    offset: i32,
    #[prost(uint32, tag = "2")]
    length: u32,
}

#[derive(Clone, PartialEq, prost::Message)]
struct ProtoExemplar {
    #[prost(message, repeated, tag = "1")]
    label: Vec<LabelPair>,
    #[prost(double, tag = "2")]
    value: f64,
    #[prost(message, optional, tag = "3")]
    timestamp: Option<Timestamp>,
}

#[derive(Clone, PartialEq, prost::Message)]
struct Timestamp {
    #[prost(int64, tag = "1")]
    seconds: i64,
    #[prost(int32, tag = "2")]
    nanos: i32,
}

/// `snapshot` as length-delimited `MetricFamily` messages.
pub(crate) fn render(snapshot: &Snapshot) -> Vec<u8> {
    let mut out = Vec::with_capacity(4096);
    for family in &snapshot.families {
        // Encoding into a Vec cannot fail.
        let _ = family_message(family).encode_length_delimited(&mut out);
    }
    out
}

fn valid(write: fn(&mut Vec<u8>, &str), name: &str) -> String {
    let mut out = Vec::with_capacity(name.len());
    write(&mut out, name);
    String::from_utf8(out).unwrap_or_default()
}

fn family_message(family: &Family) -> MetricFamily {
    MetricFamily {
        name: valid(metric_name, family.name.as_str()),
        help: family.help.as_deref().unwrap_or_default().to_owned(),
        r#type: match family.kind {
            MetricKind::Counter => 0,
            MetricKind::Gauge | MetricKind::Info => 1,
            MetricKind::Histogram => 4,
        },
        metric: family
            .series
            .iter()
            .map(|series| {
                let label = series
                    .key
                    .labels()
                    .map(|label| LabelPair {
                        name: valid(label_name, label.key()),
                        value: label.value().to_owned(),
                    })
                    .collect();
                let mut metric = Metric {
                    label,
                    ..Metric::default()
                };
                match &series.value {
                    Value::Counter { value, exemplar } => {
                        metric.counter = Some(Counter {
                            value: *value as f64,
                            exemplar: exemplar.as_ref().map(exemplar_message),
                        });
                    }
                    Value::Gauge(value) => metric.gauge = Some(Gauge { value: *value }),
                    Value::FloatCounter(value) => {
                        metric.counter = Some(Counter {
                            value: *value,
                            exemplar: None,
                        });
                    }
                    Value::Histogram(histogram) => {
                        let mut cumulative = 0;
                        let bucket = histogram
                            .bounds
                            .iter()
                            .zip(&histogram.buckets)
                            .zip(&histogram.exemplars)
                            .map(|((bound, count), exemplar)| {
                                cumulative += count;
                                Bucket {
                                    cumulative_count: cumulative,
                                    upper_bound: *bound,
                                    exemplar: exemplar.as_ref().map(exemplar_message),
                                }
                            })
                            .collect();
                        let mut message = Histogram {
                            sample_count: histogram.count,
                            sample_sum: histogram.sum,
                            bucket,
                            ..Histogram::default()
                        };
                        if let Some(exponential) = &histogram.exponential {
                            native(&mut message, exponential);
                        }
                        metric.histogram = Some(message);
                    }
                }
                metric
            })
            .collect(),
    }
}

/// Fills in the native histogram of `exponential`. Prometheus numbers buckets one above
/// OpenTelemetry (its bucket `i` ends at `base^i`, OpenTelemetry's starts there): each sign is
/// one span from its first counted bucket, counts as deltas from the previous bucket's.
fn native(message: &mut Histogram, exponential: &ExponentialValue) {
    let fitted = exponential.fitted(MAX_BUCKETS);
    message.schema = fitted.scale;
    message.zero_threshold = ZERO_THRESHOLD;
    message.zero_count = fitted.zero_count;
    let spans_and_deltas = |buckets: &crate::recorder::ExponentialBuckets| {
        if buckets.counts.is_empty() {
            return (Vec::new(), Vec::new());
        }
        let span = BucketSpan {
            offset: buckets.offset + 1,
            length: buckets.counts.len() as u32,
        };
        let mut previous = 0i64;
        let deltas = buckets
            .counts
            .iter()
            .map(|count| {
                let count = *count as i64;
                let delta = count - previous;
                previous = count;
                delta
            })
            .collect();
        (vec![span], deltas)
    };
    (message.positive_span, message.positive_delta) = spans_and_deltas(&fitted.positive);
    (message.negative_span, message.negative_delta) = spans_and_deltas(&fitted.negative);
}

fn exemplar_message(exemplar: &Exemplar) -> ProtoExemplar {
    ProtoExemplar {
        label: vec![
            LabelPair {
                name: "trace_id".into(),
                value: exemplar.trace_id.to_string(),
            },
            LabelPair {
                name: "span_id".into(),
                value: exemplar.span_id.to_string(),
            },
        ],
        value: exemplar.value,
        timestamp: Some(Timestamp {
            seconds: (exemplar.unix_nanos / 1_000_000_000) as i64,
            nanos: (exemplar.unix_nanos % 1_000_000_000) as i32,
        }),
    }
}

#[cfg(test)]
mod tests {
    use metrics::Recorder as _;

    use super::*;
    use crate::recorder::{Buckets, MetricsRecorder};

    fn decoded(mut body: &[u8]) -> Vec<MetricFamily> {
        let mut families = Vec::new();
        while !body.is_empty() {
            families.push(MetricFamily::decode_length_delimited(&mut body).unwrap());
        }
        families
    }

    #[test]
    fn families_carry_counters_gauges_and_histograms_with_native_buckets_when_kept() {
        let mut buckets = Buckets::new(&[0.001, 0.01], &[]).unwrap();
        buckets.exponential = true;
        let recorder = MetricsRecorder::new(buckets, 10);
        let metadata = metrics::Metadata::new("test", metrics::Level::INFO, None);
        let key = |name: &'static str| {
            metrics::Key::from_parts(name, vec![metrics::Label::new("name", "ml.inference")])
        };
        recorder
            .register_counter(&key("operation_errors_total"), &metadata)
            .increment(2);
        recorder
            .register_gauge(&key("operation_in_flight"), &metadata)
            .set(1.0);
        let histogram = recorder.register_histogram(&key("operation_duration_seconds"), &metadata);
        for sample in [40e-6, 45e-6, 0.0, 0.002] {
            histogram.record(sample);
        }
        let families = decoded(&render(&recorder.snapshot()));
        let family = |name: &str| families.iter().find(|f| f.name == name).unwrap();
        let errors = family("operation_errors_total");
        assert_eq!(errors.r#type, 0);
        assert_eq!(errors.metric[0].counter.as_ref().unwrap().value, 2.0);
        assert_eq!(errors.metric[0].label[0].value, "ml.inference");
        assert_eq!(family("operation_in_flight").r#type, 1);
        let duration = family("operation_duration_seconds");
        assert_eq!(duration.r#type, 4);
        let histogram = duration.metric[0].histogram.as_ref().unwrap();
        assert_eq!(histogram.sample_count, 4);
        assert_eq!(
            histogram
                .bucket
                .iter()
                .map(|b| (b.upper_bound, b.cumulative_count))
                .collect::<Vec<_>>(),
            [(0.001, 3), (0.01, 4)]
        );
        assert_eq!(histogram.zero_count, 1);
        assert_eq!(histogram.positive_span.len(), 1);
        // Undo the deltas: the counts, three samples in the positive buckets.
        let counts: Vec<i64> = histogram
            .positive_delta
            .iter()
            .scan(0, |count, delta| {
                *count += delta;
                Some(*count)
            })
            .collect();
        assert_eq!(counts.iter().sum::<i64>(), 3);
        assert_eq!(counts.len() as u32, histogram.positive_span[0].length);
        // The first bucket holds 40 µs: Prometheus's bucket i is (base^(i-1), base^i].
        let base = 2f64.powf(2f64.powi(-histogram.schema));
        let first = histogram.positive_span[0].offset;
        assert!(base.powi(first - 1) < 40e-6 && 40e-6 <= base.powi(first));
    }

    #[test]
    fn without_exponential_buckets_a_histogram_is_classic_only() {
        let recorder = MetricsRecorder::new(Buckets::new(&[1.0], &[]).unwrap(), 10);
        let metadata = metrics::Metadata::new("test", metrics::Level::INFO, None);
        recorder
            .register_histogram(&metrics::Key::from_name("wait_seconds"), &metadata)
            .record(0.5);
        let families = decoded(&render(&recorder.snapshot()));
        let histogram = families[0].metric[0].histogram.as_ref().unwrap();
        assert!(histogram.positive_span.is_empty() && histogram.zero_threshold == 0.0);
        assert_eq!(histogram.bucket[0].cumulative_count, 1);
    }
}
