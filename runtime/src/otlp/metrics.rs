//! Metrics over OTLP: every export interval the recorder is read and its series encoded as one
//! `ExportMetricsServiceRequest`: counters as monotonic sums, gauges as gauges, histograms as
//! explicit-bucket histograms with their bounds, count, sum, min, max and exemplars; or, when
//! `OTEL_EXPORTER_OTLP_METRICS_DEFAULT_HISTOGRAM_AGGREGATION=base2_exponential_bucket_histogram`
//! asks, base-2 exponential histograms (at most 160 buckets a sign, at the finest scale that
//! fits, up to 5) with the same count, sum, min, max and exemplars.
//!
//! Names and attributes are the ones `/metrics` shows (`operation_duration_seconds`,
//! `http_requests_total`, labels as attributes), and units are those a Prometheus-compatible
//! translation (an OpenTelemetry Collector's `prometheus` exporter, Prometheus's OTLP ingest) maps
//! back without changing a name: `s` for seconds, none for counts (where `1` would make a gauge
//! `_ratio`). So moving from scraping to OTLP finds the same series.
//!
//! Cumulative by default; delta (`OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE=delta`, and
//! `lowmemory`, which for tripod's synchronous counters and histograms is the same) reports each
//! series' change since the last export, omits series that did not change, takes the interval's
//! min and max, and the exemplars taken in the interval.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::SystemTime;

use metrics::{Key, Unit};

use super::encode::unix_nanos;
use super::export::Encode;
use super::proto::{Any, ProtoWriter, field};
use super::queue::{Item, Queue};
use super::resource::Preamble;
use crate::recorder::{
    Exemplar, ExponentialValue, Family, HistogramValue, MAX_BUCKETS, MetricKind, MetricsRecorder,
    Value,
};

/// Which change a data point reports.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) enum Temporality {
    /// Everything since the start (OTLP `AGGREGATION_TEMPORALITY_CUMULATIVE`).
    #[default]
    Cumulative,
    /// What changed since the last export (`AGGREGATION_TEMPORALITY_DELTA`).
    Delta,
}

impl Temporality {
    fn number(self) -> u64 {
        match self {
            Temporality::Delta => 1,
            Temporality::Cumulative => 2,
        }
    }
}

/// One export request, and how many data points it holds.
pub(crate) struct MetricRequest {
    body: Vec<u8>,
    points: usize,
}

impl Item for MetricRequest {
    fn count(&self) -> usize {
        self.points
    }

    fn bytes(&self) -> usize {
        self.body.capacity()
    }
}

/// What a series held at the last export, for deltas.
enum Previous {
    Counter(u64),
    FloatCounter(f64),
    Histogram {
        buckets: Vec<u64>,
        count: u64,
        sum: f64,
        exponential: Option<ExponentialValue>,
    },
}

/// Reads the recorder when due and encodes what it holds.
pub(crate) struct MetricBatches {
    recorder: MetricsRecorder,
    preamble: Arc<Preamble>,
    temporality: Temporality,
    /// When the series started (the exporter's start), and the last export, in Unix nanoseconds.
    start: u64,
    last_export: u64,
    previous: HashMap<(MetricKind, Key), Previous>,
}

impl MetricBatches {
    pub(crate) fn new(
        recorder: MetricsRecorder,
        preamble: Arc<Preamble>,
        temporality: Temporality,
    ) -> MetricBatches {
        let now = unix_nanos(SystemTime::now());
        MetricBatches {
            recorder,
            preamble,
            temporality,
            start: now,
            last_export: now,
            previous: HashMap::new(),
        }
    }

    /// The request for what the recorder holds now.
    pub(crate) fn read(&mut self) -> MetricRequest {
        let now = unix_nanos(SystemTime::now());
        let delta = self.temporality == Temporality::Delta;
        let snapshot = self.recorder.snapshot_for_export(delta);
        let start = if delta { self.last_export } else { self.start };
        let mut writer = ProtoWriter::with_capacity(4096);
        let resource_metrics = writer.open(field::REQUEST_RESOURCE_METRICS);
        self.preamble
            .resource(&mut writer, field::RESOURCE_METRICS_RESOURCE);
        let scope_metrics = writer.open(field::RESOURCE_METRICS_SCOPE_METRICS);
        self.preamble.scope(&mut writer, field::SCOPE_METRICS_SCOPE);
        let mut points = 0;
        for family in &snapshot.families {
            points += self.family(&mut writer, family, start, now);
        }
        writer.close(scope_metrics);
        writer.close(resource_metrics);
        self.last_export = now;
        MetricRequest {
            body: writer.into_bytes(),
            points,
        }
    }

    /// Writes one `Metric` (when it has points to report); how many points it held.
    fn family(&mut self, writer: &mut ProtoWriter, family: &Family, start: u64, now: u64) -> usize {
        let mut points = 0;
        let mut metric = None;
        for series in &family.series {
            let key = (family.kind, series.key.clone());
            let point = match (&series.value, self.temporality) {
                (Value::Counter { value, exemplar }, temporality) => {
                    let reported = match temporality {
                        Temporality::Cumulative => *value,
                        Temporality::Delta => {
                            let before = match self.previous.insert(key, Previous::Counter(*value))
                            {
                                Some(Previous::Counter(before)) => before,
                                _ => 0,
                            };
                            let change = value.saturating_sub(before);
                            if change == 0 {
                                continue;
                            }
                            change
                        }
                    };
                    Point::Counter(reported, exemplar.filter(|e| self.fresh(e)))
                }
                (Value::Gauge(value), _) => Point::Gauge(*value),
                (Value::FloatCounter(value), Temporality::Cumulative) => {
                    Point::FloatCounter(*value)
                }
                (Value::FloatCounter(value), Temporality::Delta) => {
                    let before = match self.previous.insert(key, Previous::FloatCounter(*value)) {
                        Some(Previous::FloatCounter(before)) => before,
                        _ => 0.0,
                    };
                    let change = (value - before).max(0.0);
                    if change == 0.0 {
                        continue;
                    }
                    Point::FloatCounter(change)
                }
                (Value::Histogram(histogram), Temporality::Cumulative) => {
                    Point::Histogram(histogram.clone())
                }
                (Value::Histogram(histogram), Temporality::Delta) => {
                    let mut change = histogram.clone();
                    if let Some(Previous::Histogram {
                        buckets,
                        count,
                        sum,
                        exponential,
                    }) = self.previous.get(&key)
                    {
                        for (now, before) in change.buckets.iter_mut().zip(buckets) {
                            *now = now.saturating_sub(*before);
                        }
                        change.count = change.count.saturating_sub(*count);
                        change.sum -= sum;
                        if let (Some(now), Some(before)) = (&mut change.exponential, exponential) {
                            *now = now.less(before);
                        }
                    }
                    self.previous.insert(
                        key,
                        Previous::Histogram {
                            buckets: histogram.buckets.clone(),
                            count: histogram.count,
                            sum: histogram.sum,
                            exponential: histogram.exponential.clone(),
                        },
                    );
                    if change.count == 0 {
                        continue;
                    }
                    for exemplar in &mut change.exemplars {
                        *exemplar = exemplar.filter(|e| self.fresh(e));
                    }
                    Point::Histogram(change)
                }
            };
            if metric.is_none() {
                metric = Some({
                    let open = writer.open(field::SCOPE_METRICS_METRICS);
                    writer.string(field::METRIC_NAME, family.name.as_str());
                    if let Some(help) = &family.help {
                        writer.string(field::METRIC_DESCRIPTION, help);
                    }
                    writer.string(field::METRIC_UNIT, family.unit.map_or("", unit));
                    let exponential = matches!(&series.value, Value::Histogram(histogram) if histogram.exponential.is_some());
                    let data = writer.open(match family.kind {
                        MetricKind::Counter => field::METRIC_SUM,
                        MetricKind::Gauge | MetricKind::Info => field::METRIC_GAUGE,
                        MetricKind::Histogram if exponential => field::METRIC_EXPONENTIAL_HISTOGRAM,
                        MetricKind::Histogram => field::METRIC_HISTOGRAM,
                    });
                    (open, data)
                });
            }
            point.write(writer, &series.key, start, now);
            points += 1;
        }
        if let Some((open, data)) = metric {
            match family.kind {
                MetricKind::Counter => {
                    writer.varint(field::AGGREGATION_TEMPORALITY, self.temporality.number());
                    writer.varint(field::SUM_IS_MONOTONIC, 1);
                }
                MetricKind::Histogram => {
                    writer.varint(field::AGGREGATION_TEMPORALITY, self.temporality.number());
                }
                MetricKind::Gauge | MetricKind::Info => {}
            }
            writer.close(data);
            writer.close(open);
        }
        points
    }

    /// Whether an exemplar was taken since the last export (any, when cumulative).
    fn fresh(&self, exemplar: &Exemplar) -> bool {
        self.temporality == Temporality::Cumulative || exemplar.unix_nanos > self.last_export
    }
}

/// One data point to write.
enum Point {
    Counter(u64, Option<Exemplar>),
    FloatCounter(f64),
    Gauge(f64),
    Histogram(HistogramValue),
}

impl Point {
    fn write(self, writer: &mut ProtoWriter, key: &Key, start: u64, now: u64) {
        let point = writer.open(field::DATA_POINTS);
        match self {
            Point::Counter(value, exemplar) => {
                attributes(writer, field::NUMBER_ATTRIBUTES, key);
                writer.fixed64_always(field::NUMBER_START_TIME, start);
                writer.fixed64_always(field::NUMBER_TIME, now);
                writer.fixed64_always(field::NUMBER_AS_INT, value);
                if let Some(exemplar) = exemplar {
                    write_exemplar(writer, field::NUMBER_EXEMPLARS, &exemplar);
                }
            }
            Point::FloatCounter(value) => {
                attributes(writer, field::NUMBER_ATTRIBUTES, key);
                writer.fixed64_always(field::NUMBER_START_TIME, start);
                writer.fixed64_always(field::NUMBER_TIME, now);
                writer.double(field::NUMBER_AS_DOUBLE, value);
            }
            Point::Gauge(value) => {
                attributes(writer, field::NUMBER_ATTRIBUTES, key);
                writer.fixed64_always(field::NUMBER_TIME, now);
                writer.double(field::NUMBER_AS_DOUBLE, value);
            }
            Point::Histogram(HistogramValue {
                exponential: Some(exponential),
                count,
                sum,
                min,
                max,
                exemplars,
                ..
            }) => {
                let fitted = exponential.fitted(MAX_BUCKETS);
                attributes(writer, field::EXPONENTIAL_ATTRIBUTES, key);
                writer.fixed64_always(field::EXPONENTIAL_START_TIME, start);
                writer.fixed64_always(field::EXPONENTIAL_TIME, now);
                writer.fixed64_always(field::EXPONENTIAL_COUNT, count);
                writer.double(field::EXPONENTIAL_SUM, sum);
                writer.sint32(field::EXPONENTIAL_SCALE, fitted.scale);
                writer.fixed64_always(field::EXPONENTIAL_ZERO_COUNT, fitted.zero_count);
                for (in_field, buckets) in [
                    (field::EXPONENTIAL_POSITIVE, &fitted.positive),
                    (field::EXPONENTIAL_NEGATIVE, &fitted.negative),
                ] {
                    if buckets.counts.is_empty() {
                        continue;
                    }
                    let message = writer.open(in_field);
                    writer.sint32(field::BUCKETS_OFFSET, buckets.offset);
                    writer.packed_varint(field::BUCKETS_COUNTS, &buckets.counts);
                    writer.close(message);
                }
                for exemplar in exemplars.iter().flatten() {
                    write_exemplar(writer, field::EXPONENTIAL_EXEMPLARS, exemplar);
                }
                if let Some(min) = min {
                    writer.double(field::EXPONENTIAL_MIN, min);
                }
                if let Some(max) = max {
                    writer.double(field::EXPONENTIAL_MAX, max);
                }
            }
            Point::Histogram(histogram) => {
                attributes(writer, field::HISTOGRAM_ATTRIBUTES, key);
                writer.fixed64_always(field::HISTOGRAM_START_TIME, start);
                writer.fixed64_always(field::HISTOGRAM_TIME, now);
                writer.fixed64_always(field::HISTOGRAM_COUNT, histogram.count);
                writer.double(field::HISTOGRAM_SUM, histogram.sum);
                writer.packed_fixed64(
                    field::HISTOGRAM_BUCKET_COUNTS,
                    histogram.buckets.iter().copied(),
                );
                writer.packed_fixed64(
                    field::HISTOGRAM_EXPLICIT_BOUNDS,
                    histogram.bounds.iter().map(|bound| bound.to_bits()),
                );
                for exemplar in histogram.exemplars.iter().flatten() {
                    write_exemplar(writer, field::HISTOGRAM_EXEMPLARS, exemplar);
                }
                if let Some(min) = histogram.min {
                    writer.double(field::HISTOGRAM_MIN, min);
                }
                if let Some(max) = histogram.max {
                    writer.double(field::HISTOGRAM_MAX, max);
                }
            }
        }
        writer.close(point);
    }
}

fn attributes(writer: &mut ProtoWriter, in_field: u32, key: &Key) {
    for label in key.labels() {
        writer.key_value(in_field, label.key(), Any::Str(label.value()));
    }
}

fn write_exemplar(writer: &mut ProtoWriter, in_field: u32, exemplar: &Exemplar) {
    let message = writer.open(in_field);
    writer.fixed64_always(field::EXEMPLAR_TIME, exemplar.unix_nanos);
    writer.double(field::EXEMPLAR_AS_DOUBLE, exemplar.value);
    writer.bytes(field::EXEMPLAR_SPAN_ID, &exemplar.span_id.0.to_be_bytes());
    writer.bytes(field::EXEMPLAR_TRACE_ID, &exemplar.trace_id.0.to_be_bytes());
    writer.close(message);
}

/// A unit as UCUM writes it (OTLP's units), for those Prometheus translates back to its suffix;
/// none for counts.
fn unit(unit: Unit) -> &'static str {
    match unit {
        Unit::Seconds => "s",
        Unit::Milliseconds => "ms",
        Unit::Microseconds => "us",
        Unit::Nanoseconds => "ns",
        Unit::Bytes => "By",
        Unit::Kibibytes => "KiBy",
        Unit::Mebibytes => "MiBy",
        Unit::Gibibytes => "GiBy",
        Unit::Tebibytes => "TiBy",
        Unit::Percent => "%",
        _ => "",
    }
}

impl Encode for MetricBatches {
    type Item = MetricRequest;

    /// One request per export (concatenated requests would merge, but there is one a reading).
    fn encode(&mut self, batch: &[MetricRequest]) -> Vec<u8> {
        batch
            .iter()
            .flat_map(|request| request.body.iter().copied())
            .collect()
    }

    fn due(&mut self, queue: &Queue<MetricRequest>) {
        let request = self.read();
        if request.points > 0 {
            queue.push_own(request);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::recorder::Buckets;
    use metrics::Recorder as _;
    use opentelemetry_proto::tonic::collector::metrics::v1::ExportMetricsServiceRequest;
    use opentelemetry_proto::tonic::metrics::v1::{Metric, metric::Data, number_data_point};
    use prost::Message as _;

    fn recorder() -> MetricsRecorder {
        MetricsRecorder::new(Buckets::new(&[0.1, 1.0], &[]).unwrap(), 100)
    }

    fn decoded(request: &MetricRequest) -> Vec<Metric> {
        let request = ExportMetricsServiceRequest::decode(request.body.as_slice()).unwrap();
        request.resource_metrics[0].scope_metrics[0].metrics.clone()
    }

    fn metric<'a>(metrics: &'a [Metric], name: &str) -> &'a Metric {
        metrics.iter().find(|metric| metric.name == name).unwrap()
    }

    #[test]
    fn counters_gauges_and_histograms_become_sums_gauges_and_explicit_histograms() {
        let recorder = recorder();
        let metadata = metrics::Metadata::new("test", metrics::Level::INFO, None);
        let labels = vec![metrics::Label::new("name", "ml.inference")];
        recorder
            .register_counter(
                &Key::from_parts("operation_errors_total", labels.clone()),
                &metadata,
            )
            .increment(3);
        recorder
            .register_gauge(
                &Key::from_parts("operation_in_flight", labels.clone()),
                &metadata,
            )
            .set(2.0);
        let histogram = recorder.register_histogram(
            &Key::from_parts("operation_duration_seconds", labels),
            &metadata,
        );
        for value in [0.05, 0.5, 5.0] {
            histogram.record(value);
        }
        let preamble = Arc::new(Preamble::new(&crate::resource::Resource::detect(
            Some("todo-app"),
            None,
            &[],
        )));
        let mut batches = MetricBatches::new(recorder, preamble, Temporality::Cumulative);
        let request = batches.read();
        let metrics = decoded(&request);
        assert_eq!(request.points, 3);

        let errors = metric(&metrics, "operation_errors_total");
        let Some(Data::Sum(sum)) = &errors.data else {
            panic!("{errors:?}")
        };
        assert!(sum.is_monotonic);
        assert_eq!(sum.aggregation_temporality, 2, "cumulative");
        assert_eq!(
            sum.data_points[0].value,
            Some(number_data_point::Value::AsInt(3))
        );
        assert_eq!(sum.data_points[0].attributes[0].key, "name");
        assert_eq!(
            errors.unit, "",
            "a count has no unit a translation would add"
        );

        let in_flight = metric(&metrics, "operation_in_flight");
        let Some(Data::Gauge(gauge)) = &in_flight.data else {
            panic!()
        };
        assert_eq!(
            gauge.data_points[0].value,
            Some(number_data_point::Value::AsDouble(2.0))
        );

        let duration = metric(&metrics, "operation_duration_seconds");
        assert_eq!(duration.unit, "s");
        assert!(duration.description.starts_with("Duration of calls"));
        let Some(Data::Histogram(histogram)) = &duration.data else {
            panic!()
        };
        let point = &histogram.data_points[0];
        assert_eq!(point.explicit_bounds, [0.1, 1.0]);
        assert_eq!(point.bucket_counts, [1, 1, 1]);
        assert_eq!(point.count, 3);
        assert_eq!(point.sum, Some(5.55));
        assert_eq!((point.min, point.max), (Some(0.05), Some(5.0)));
        assert!(point.start_time_unix_nano <= point.time_unix_nano);
    }

    #[test]
    fn exponential_histograms_carry_the_counts_in_buckets_that_hold_each_value_cumulative_or_delta()
    {
        let mut buckets = Buckets::new(&[0.1, 1.0], &[]).unwrap();
        buckets.exponential = true;
        let recorder = MetricsRecorder::new(buckets, 100);
        let metadata = metrics::Metadata::new("test", metrics::Level::INFO, None);
        let histogram =
            recorder.register_histogram(&Key::from_name("operation_duration_seconds"), &metadata);
        let preamble = Arc::new(Preamble::new(&crate::resource::Resource::detect(
            None,
            None,
            &[],
        )));
        let samples = [40e-6, 45e-6, 50e-6, 0.002, 1.5];
        for sample in samples {
            histogram.record(sample);
        }
        let mut cumulative =
            MetricBatches::new(recorder.clone(), preamble.clone(), Temporality::Cumulative);
        let mut delta = MetricBatches::new(recorder, preamble, Temporality::Delta);
        let point = |metrics: &[Metric]| {
            let Some(Data::ExponentialHistogram(histogram)) =
                &metric(metrics, "operation_duration_seconds").data
            else {
                panic!("{metrics:#?}")
            };
            histogram.data_points[0].clone()
        };
        let first = point(&decoded(&cumulative.read()));
        let _ = delta.read();
        assert_eq!(first.count, 5);
        assert!((first.sum.unwrap() - samples.iter().sum::<f64>()).abs() < 1e-12);
        assert_eq!((first.min, first.max), (Some(40e-6), Some(1.5)));
        assert_eq!(first.zero_count, 0);
        // 40 µs … 1.5 s spans 15 doublings: 8 buckets a doubling fit in 160, 16 would not.
        assert_eq!(first.scale, 3);
        let positive = first.positive.clone().unwrap();
        assert!(positive.bucket_counts.len() <= 160);
        assert_eq!(positive.bucket_counts.iter().sum::<u64>(), 5);
        let base = 2f64.powf(2f64.powi(-first.scale));
        for sample in samples {
            // The bucket whose bounds hold the sample counted it.
            let index = (sample.log2() * 2f64.powi(first.scale)).ceil() as i32 - 1;
            let k = (index - positive.offset) as usize;
            assert!(base.powi(index) < sample && sample <= base.powi(index + 1));
            assert!(positive.bucket_counts[k] >= 1, "{sample} in bucket {index}");
        }

        histogram.record(0.002);
        let second = point(&decoded(&delta.read()));
        assert_eq!(second.count, 1, "delta: the change");
        let positive = second.positive.unwrap();
        assert_eq!(positive.bucket_counts, [1], "one bucket, the finest scale");
        assert_eq!(second.scale, 5, "one bucket: the recording scale");
    }

    #[test]
    fn delta_reports_each_change_once_and_leaves_out_what_did_not_change() {
        let recorder = recorder();
        let metadata = metrics::Metadata::new("test", metrics::Level::INFO, None);
        let counter = recorder.register_counter(&Key::from_name("jobs_total"), &metadata);
        let histogram = recorder.register_histogram(&Key::from_name("wait_seconds"), &metadata);
        let preamble = Arc::new(Preamble::new(&crate::resource::Resource::detect(
            None,
            None,
            &[],
        )));
        let mut batches = MetricBatches::new(recorder, preamble, Temporality::Delta);
        counter.increment(5);
        histogram.record(0.5);
        histogram.record(0.7);
        let first = decoded(&batches.read());
        counter.increment(2);
        histogram.record(0.05);
        let second = decoded(&batches.read());
        let third = batches.read();

        let value = |metrics: &[Metric]| {
            let Some(Data::Sum(sum)) = &metric(metrics, "jobs_total").data else {
                panic!()
            };
            assert_eq!(sum.aggregation_temporality, 1, "delta");
            sum.data_points[0].value
        };
        assert_eq!(value(&first), Some(number_data_point::Value::AsInt(5)));
        assert_eq!(value(&second), Some(number_data_point::Value::AsInt(2)));
        let point = |metrics: &[Metric]| {
            let Some(Data::Histogram(histogram)) = &metric(metrics, "wait_seconds").data else {
                panic!()
            };
            histogram.data_points[0].clone()
        };
        let (one, two) = (point(&first), point(&second));
        assert_eq!((one.count, one.bucket_counts.clone()), (2, vec![0, 2, 0]));
        assert_eq!((two.count, two.bucket_counts.clone()), (1, vec![1, 0, 0]));
        assert_eq!(
            (two.min, two.max),
            (Some(0.05), Some(0.05)),
            "the interval's own"
        );
        assert!(two.start_time_unix_nano >= one.time_unix_nano);
        assert_eq!(third.points, 0, "nothing changed");
    }
}
