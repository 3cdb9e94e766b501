//! Every series the recorder holds, by key (metrics-util's sharded registry: a registered handle
//! is found under a read lock), each metric's description, and the limit on how many label sets
//! one metric may have.
//!
//! Past the limit (2,000 by default, as OpenTelemetry's SDKs), a new label set is recorded in the
//! metric's one overflow series, `otel_metric_overflow="true"`: the samples still count, the
//! series count stays bounded, and `tripod_metric_overflow_total{metric}` counts every label set
//! turned away, besides one WARN line per metric.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, RwLock};

use metrics::{Key, KeyName, Label, SharedString, Unit};
use metrics_util::registry::{Registry as Series, Storage};

use super::counter::{Counter, Gauge};
use super::histogram::Histogram;
use super::snapshot::{Family, MetricKind, Snapshot, SnapshotSeries, Value};
use crate::metric_names::METRIC_OVERFLOW;

/// The label of a metric's overflow series.
pub(crate) const OVERFLOW_LABEL: (&str, &str) = ("otel_metric_overflow", "true");

/// Histogram bucket bounds: each metric's own, else the default; and whether histograms count
/// in exponential buckets too.
#[derive(Clone, Debug)]
pub(crate) struct Buckets {
    pub(crate) default: Arc<[f64]>,
    pub(crate) per_metric: Vec<(String, Arc<[f64]>)>,
    pub(crate) exponential: bool,
}

impl Buckets {
    /// The buckets of every histogram (`default`) and of some by name: each list sorted, without
    /// repeats; the error names a list that is empty or holds a bound that is not finite.
    pub(crate) fn new(
        default: &[f64],
        per_metric: &[(String, Vec<f64>)],
    ) -> Result<Buckets, String> {
        fn bounds(list: &[f64]) -> Result<Arc<[f64]>, String> {
            if list.is_empty() {
                return Err("a bucket list cannot be empty".into());
            }
            if let Some(bad) = list.iter().find(|bound| !bound.is_finite()) {
                return Err(format!("bucket bound {bad} is not a finite number"));
            }
            let mut sorted = list.to_vec();
            sorted.sort_by(f64::total_cmp);
            sorted.dedup();
            Ok(sorted.into())
        }
        Ok(Buckets {
            default: bounds(default)?,
            per_metric: per_metric
                .iter()
                .map(|(metric, list)| {
                    bounds(list)
                        .map(|bounds| (metric.clone(), bounds))
                        .map_err(|error| format!("buckets for {metric}: {error}"))
                })
                .collect::<Result<_, _>>()?,
            exponential: false,
        })
    }

    /// The buckets of the series `key`: its metric's, with a bound at each latency threshold of
    /// the objectives of its operation when it is an `operation_duration_seconds` series (the
    /// threshold's calls are then counted exactly: [`crate::objectives`]).
    fn of_series(&self, key: &Key) -> Arc<[f64]> {
        let bounds = self.of(key.name());
        if key.name() != crate::metric_names::OPERATION_DURATION {
            return bounds;
        }
        let Some(operation) = key.labels().find(|label| label.key() == "name") else {
            return bounds;
        };
        let missing: Vec<f64> = crate::objectives::latency_bounds(operation.value())
            .into_iter()
            .filter(|threshold| !bounds.contains(threshold))
            .collect();
        if missing.is_empty() {
            return bounds;
        }
        let mut merged = [&bounds[..], &missing].concat();
        merged.sort_by(f64::total_cmp);
        merged.dedup();
        merged.into()
    }

    fn of(&self, name: &str) -> Arc<[f64]> {
        self.per_metric
            .iter()
            .find(|(metric, _)| metric == name)
            .map_or_else(|| self.default.clone(), |(_, bounds)| bounds.clone())
    }
}

/// How series are made.
struct Make {
    buckets: Buckets,
}

impl Storage<Key> for Make {
    type Counter = Arc<Counter>;
    type Gauge = Arc<Gauge>;
    type Histogram = Arc<Histogram>;

    fn counter(&self, _: &Key) -> Arc<Counter> {
        Arc::default()
    }

    fn gauge(&self, _: &Key) -> Arc<Gauge> {
        Arc::default()
    }

    fn histogram(&self, key: &Key) -> Arc<Histogram> {
        Arc::new(Histogram::new(
            self.buckets.of_series(key),
            self.buckets.exponential,
        ))
    }
}

/// What is known of one metric beyond its series.
#[derive(Default)]
struct Metric {
    /// Label sets admitted.
    series: usize,
    /// Whether the overflow was reported.
    warned: bool,
}

/// A metric's unit and HELP text, as `describe_*` gave them.
#[derive(Clone)]
struct Description {
    unit: Option<Unit>,
    help: SharedString,
}

/// The recorder's state.
pub(crate) struct Registry {
    series: Series<Key, Make>,
    metrics: Mutex<HashMap<KeyName, Metric>>,
    descriptions: RwLock<HashMap<KeyName, Description>>,
    limit: usize,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl Registry {
    pub(crate) fn new(buckets: Buckets, limit: usize) -> Registry {
        Registry {
            series: Series::new(Make { buckets }),
            metrics: Mutex::default(),
            descriptions: RwLock::default(),
            limit: limit.max(1),
        }
    }

    pub(crate) fn describe(&self, name: KeyName, unit: Option<Unit>, help: SharedString) {
        self.descriptions
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .insert(name, Description { unit, help });
    }

    pub(crate) fn counter(&self, key: &Key) -> Arc<Counter> {
        if let Some(counter) = self.series.get_counter(key) {
            return counter;
        }
        let key = self.admit(key, |key| self.series.get_counter(key).is_some());
        self.series.get_or_create_counter(&key, Arc::clone)
    }

    pub(crate) fn gauge(&self, key: &Key) -> Arc<Gauge> {
        if let Some(gauge) = self.series.get_gauge(key) {
            return gauge;
        }
        let key = self.admit(key, |key| self.series.get_gauge(key).is_some());
        self.series.get_or_create_gauge(&key, Arc::clone)
    }

    pub(crate) fn histogram(&self, key: &Key) -> Arc<Histogram> {
        if let Some(histogram) = self.series.get_histogram(key) {
            return histogram;
        }
        let key = self.admit(key, |key| self.series.get_histogram(key).is_some());
        self.series.get_or_create_histogram(&key, Arc::clone)
    }

    /// The key a new series is recorded under: its own while the metric has room, else the
    /// metric's overflow series (reported once, counted every time).
    fn admit(&self, key: &Key, exists: impl Fn(&Key) -> bool) -> Key {
        let overflowed = {
            let mut metrics = lock(&self.metrics);
            // Another thread may have registered it meanwhile: it is counted already.
            if exists(key) {
                return key.clone();
            }
            let metric = metrics.entry(key.name_shared()).or_default();
            if metric.series < self.limit || key.name() == METRIC_OVERFLOW {
                metric.series += 1;
                return key.clone();
            }
            !std::mem::replace(&mut metric.warned, true)
        };
        self.overflowed(key.name(), overflowed);
        Key::from_parts(
            key.name_shared(),
            vec![Label::from_static_parts(OVERFLOW_LABEL.0, OVERFLOW_LABEL.1)],
        )
    }

    /// A label set of `metric` was turned away: counted, and the first time reported.
    #[cold]
    fn overflowed(&self, metric: &str, first: bool) {
        use metrics::CounterFn as _;
        let counter = Key::from_parts(
            METRIC_OVERFLOW,
            vec![Label::new("metric", metric.to_owned())],
        );
        self.counter(&counter).increment(1);
        if first {
            tracing::warn!(
                target: "tripod::metrics",
                metric,
                limit = self.limit,
                "tripod.metrics.overflow"
            );
        }
    }

    /// Every series now, by metric; with `reset_extremes`, the histograms' min and max start
    /// over.
    pub(crate) fn snapshot(&self, reset_extremes: bool) -> Snapshot {
        let mut families: HashMap<(KeyName, MetricKind), Vec<SnapshotSeries>> = HashMap::new();
        let mut add = |key: &Key, kind: MetricKind, value: Value| {
            families
                .entry((key.name_shared(), kind))
                .or_default()
                .push(SnapshotSeries {
                    key: key.clone(),
                    value,
                });
        };
        self.series.visit_counters(|key, counter| {
            add(
                key,
                MetricKind::Counter,
                Value::Counter {
                    value: counter.value(),
                    exemplar: counter.exemplar(),
                },
            )
        });
        self.series
            .visit_gauges(|key, gauge| add(key, MetricKind::Gauge, Value::Gauge(gauge.value())));
        self.series.visit_histograms(|key, histogram| {
            let value = if reset_extremes {
                histogram.value_resetting_extremes()
            } else {
                histogram.value()
            };
            add(key, MetricKind::Histogram, Value::Histogram(value))
        });
        let descriptions = self
            .descriptions
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let mut families: Vec<Family> = families
            .into_iter()
            .map(|((name, kind), mut series)| {
                series.sort_by(|a, b| a.key.labels().cmp(b.key.labels()));
                let description = descriptions.get(&name);
                Family {
                    unit: description.and_then(|description| description.unit),
                    help: description.map(|description| description.help.clone()),
                    name,
                    kind,
                    series,
                }
            })
            .collect();
        families.sort_by(|a, b| (a.name.as_str(), a.kind).cmp(&(b.name.as_str(), b.kind)));
        Snapshot { families }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use metrics::CounterFn as _;

    fn registry(limit: usize) -> Registry {
        Registry::new(Buckets::new(&[1.0], &[]).unwrap(), limit)
    }

    fn key(value: &str) -> Key {
        Key::from_parts(
            "orders_total",
            vec![Label::new("customer", value.to_owned())],
        )
    }

    #[test]
    fn an_operation_with_a_latency_objective_gets_a_bucket_at_its_threshold_and_no_other_does() {
        static OBJECTIVE: crate::objectives::Objective =
            crate::objectives::Objective::new(None, Some((300, 0.99)));
        let registry = Registry::new(
            Buckets::new(&crate::recorder::DEFAULT_BUCKETS, &[]).unwrap(),
            100,
        );
        let recorder = metrics_util::debugging::DebuggingRecorder::new();
        crate::objectives::declare(&recorder, "registry.test.slow", &OBJECTIVE);
        let duration = |name: &'static str| {
            Key::from_parts(
                crate::metric_names::OPERATION_DURATION,
                vec![
                    Label::from_static_parts("name", name),
                    Label::from_static_parts("outcome", "success"),
                ],
            )
        };
        for name in ["registry.test.slow", "registry.test.other"] {
            metrics::HistogramFn::record(&*registry.histogram(&duration(name)), 0.29);
        }
        let snapshot = registry.snapshot(false);
        let bounds = |name: &str| -> Vec<f64> {
            snapshot
                .families
                .iter()
                .flat_map(|family| &family.series)
                .find(|series| series.key.labels().any(|label| label.value() == name))
                .map(|series| match &series.value {
                    Value::Histogram(histogram) => histogram.bounds.to_vec(),
                    _ => panic!("a histogram"),
                })
                .unwrap()
        };
        let slow = bounds("registry.test.slow");
        assert!(slow.contains(&0.3), "{slow:?}");
        assert_eq!(slow.len(), crate::recorder::DEFAULT_BUCKETS.len() + 1);
        assert!(slow.is_sorted());
        assert_eq!(
            bounds("registry.test.other"),
            crate::recorder::DEFAULT_BUCKETS
        );
    }

    #[test]
    fn label_sets_past_the_limit_share_the_overflow_series_and_are_counted() {
        let registry = registry(2);
        for customer in ["a", "b", "c", "d", "a"] {
            registry.counter(&key(customer)).increment(1);
        }
        let snapshot = registry.snapshot(false);
        let orders: Vec<(String, u64)> = snapshot
            .families
            .iter()
            .filter(|family| family.name.as_str() == "orders_total")
            .flat_map(|family| &family.series)
            .map(|series| {
                let Value::Counter { value, .. } = series.value else {
                    panic!("a counter")
                };
                let labels: Vec<String> = series
                    .key
                    .labels()
                    .map(|label| format!("{}={}", label.key(), label.value()))
                    .collect();
                (labels.join(","), value)
            })
            .collect();
        assert_eq!(
            orders,
            [
                ("customer=a".to_owned(), 2),
                ("customer=b".to_owned(), 1),
                ("otel_metric_overflow=true".to_owned(), 2),
            ]
        );
        assert_eq!(
            registry
                .counter(&Key::from_parts(
                    METRIC_OVERFLOW,
                    vec![Label::new("metric", "orders_total")]
                ))
                .value(),
            2
        );
    }

    #[test]
    fn the_same_label_set_registered_twice_is_one_series_counted_once() {
        let registry = registry(1);
        registry.counter(&key("a")).increment(1);
        registry.counter(&key("a")).increment(1);
        assert_eq!(registry.counter(&key("a")).value(), 2);
        assert_eq!(registry.snapshot(false).families.len(), 1, "no overflow");
    }

    #[test]
    fn bucket_lists_are_sorted_and_checked() {
        let buckets = Buckets::new(&[1.0, 0.5, 1.0], &[("a".into(), vec![])]);
        assert!(buckets.unwrap_err().contains("buckets for a"));
        let buckets = Buckets::new(&[1.0, 0.5, 1.0], &[]).unwrap();
        assert_eq!(&*buckets.default, [0.5, 1.0]);
        assert!(Buckets::new(&[f64::NAN], &[]).is_err());
    }
}
