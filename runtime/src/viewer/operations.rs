//! Each operation's and each HTTP route's rate, error rate and latency over the last minutes,
//! computed from the same histograms `/metrics` serves: the recorder is read every few seconds,
//! and rates come from the differences between readings, as Prometheus's `rate()` computes
//! them. p50 and p99 are exact where the trace store holds the window's spans of the operation
//! (the durations the waterfall shows, sorted: the figure says how many it rests on), and
//! interpolated inside the histogram's buckets, as `histogram_quantile()` does, where it holds
//! none (calls not sampled, or evicted). Each p99 links to an exemplar trace from the slowest
//! buckets: the latest sampled call whose duration was at least the p99.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime};

use serde::Serialize;

use crate::recorder::{Exemplar, MetricKind, MetricsRecorder, Snapshot, Value};

/// How many readings are kept: 15 minutes at one every 5 seconds.
const READINGS: usize = 180;
/// The window the table's figures cover.
const WINDOW: Duration = Duration::from_secs(5 * 60);
/// How far apart the readings kept for objectives' compliance are, and how far back they go.
const HOURLY: Duration = Duration::from_secs(3600);
const OBJECTIVE_WINDOW: Duration = Duration::from_secs(30 * 24 * 3600);

/// One series' cumulative counts at a reading: per bucket bound, the total, and the failures;
/// and each bucket's latest exemplar.
#[derive(Clone, Debug, Default)]
pub(super) struct Counts {
    pub(super) buckets: Vec<(f64, f64)>,
    pub(super) count: f64,
    pub(super) failures: f64,
    exemplars: Vec<(f64, Exemplar)>,
}

impl Counts {
    /// The calls counted in the bucket bounded at `le` (and those below it); `None` when no
    /// bucket has that bound.
    pub(super) fn within(&self, le: f64) -> Option<f64> {
        self.buckets
            .iter()
            .find(|(bound, _)| *bound == le)
            .map(|(_, count)| *count)
    }
}

/// One operation's counts over a window that ends now.
pub(super) struct Window {
    pub(super) counts: Counts,
    pub(super) length: Duration,
}

/// The counts of every operation and route at one moment.
struct Reading {
    at: Instant,
    series: BTreeMap<String, Counts>,
}

/// One row of the operations page.
#[derive(Clone, Debug, Serialize)]
pub(crate) struct OperationStats {
    /// `ml.inference`, or `GET /api/todos/{id}` for a route.
    pub(crate) name: String,
    /// `operation` or `route`.
    pub(crate) kind: &'static str,
    pub(crate) rate_per_second: f64,
    pub(crate) error_rate: f64,
    pub(crate) p50_ms: Option<f64>,
    pub(crate) p99_ms: Option<f64>,
    /// What p50 and p99 were computed from: `spans` (exactly, from the spans the trace store
    /// holds for the window) or `histogram` (interpolated inside its buckets).
    pub(crate) percentiles_from: &'static str,
    /// How many calls p50 and p99 rest on.
    pub(crate) percentile_calls: usize,
    /// p99 per reading interval over the window, oldest first (for the chart).
    pub(crate) p99_history_ms: Vec<Option<f64>>,
    pub(crate) calls: f64,
    /// A trace of a call at least as slow as the p99 (the latest exemplar of the slowest bucket
    /// that has one, at or above the p99's), with that call's duration.
    pub(crate) p99_exemplar: Option<ExemplarLink>,
}

/// An exemplar's trace, for a link to its waterfall.
#[derive(Clone, Debug, Serialize)]
pub(crate) struct ExemplarLink {
    pub(crate) trace_id: String,
    pub(crate) duration_ms: f64,
}

/// The readings of the exposition.
pub(crate) struct Operations {
    recorder: MetricsRecorder,
    readings: Mutex<VecDeque<Reading>>,
    /// An hour apart, for 30 days: the counts of the operations with an objective.
    hourly: Mutex<VecDeque<Reading>>,
    /// When the first reading was taken (the counts before it are zero).
    started: Instant,
}

impl Operations {
    pub(crate) fn new(recorder: MetricsRecorder) -> Operations {
        Operations {
            recorder,
            readings: Mutex::new(VecDeque::new()),
            hourly: Mutex::new(VecDeque::new()),
            started: Instant::now(),
        }
    }

    /// Takes a reading now.
    pub(crate) fn read(&self) {
        let series = read(&self.recorder.snapshot());
        let at = Instant::now();
        self.keep_hourly(at, &series);
        let mut readings = lock(&self.readings);
        readings.push_back(Reading { at, series });
        while readings.len() > READINGS {
            readings.pop_front();
        }
    }

    /// Keeps the counts of the operations with an objective an hour after the last kept.
    fn keep_hourly(&self, at: Instant, series: &BTreeMap<String, Counts>) {
        let mut hourly = lock(&self.hourly);
        if hourly
            .back()
            .is_some_and(|last| at.duration_since(last.at) < HOURLY)
        {
            return;
        }
        let declared = crate::objectives::declared();
        let series = series
            .iter()
            .filter(|(key, _)| {
                key.strip_prefix("operation|")
                    .is_some_and(|name| declared.iter().any(|one| one.name == name))
            })
            .map(|(key, counts)| (key.clone(), counts.clone()))
            .collect();
        hourly.push_back(Reading { at, series });
        while hourly
            .front()
            .is_some_and(|first| at.duration_since(first.at) > OBJECTIVE_WINDOW + HOURLY)
        {
            hourly.pop_front();
        }
    }

    /// Operation `name`'s counts over the last five minutes and over its objective's window (30
    /// days, or since the first reading when the process has not run that long), as of the
    /// latest reading.
    pub(super) fn objective_windows(&self, name: &str) -> Option<(Window, Window)> {
        let key = format!("operation|{name}");
        let readings = lock(&self.readings);
        let latest = readings.back()?;
        let now = latest.series.get(&key)?;
        let recent = readings
            .iter()
            .find(|reading| latest.at.duration_since(reading.at) <= WINDOW)?;
        let recent = Window {
            counts: difference(now, &recent.series.get(&key).cloned().unwrap_or_default()),
            length: latest.at.duration_since(recent.at),
        };
        let hourly = lock(&self.hourly);
        let long = match hourly
            .iter()
            .find(|reading| latest.at.duration_since(reading.at) <= OBJECTIVE_WINDOW)
            .filter(|_| latest.at.duration_since(self.started) > OBJECTIVE_WINDOW)
        {
            Some(start) => Window {
                counts: difference(now, &start.series.get(&key).cloned().unwrap_or_default()),
                length: latest.at.duration_since(start.at),
            },
            None => Window {
                counts: now.clone(),
                length: latest.at.duration_since(self.started),
            },
        };
        Some((recent, long))
    }

    /// The table: a fresh reading against the oldest within the window; percentiles from the
    /// durations of `spans` (the trace store's spans of the window, by whether they are server
    /// spans and by name) where it has a row's.
    pub(crate) fn stats(&self, spans: &HashMap<(bool, String), Vec<f64>>) -> Vec<OperationStats> {
        self.read();
        let readings = lock(&self.readings);
        let Some(latest) = readings.back() else {
            return Vec::new();
        };
        let window: Vec<&Reading> = readings
            .iter()
            .filter(|reading| latest.at.duration_since(reading.at) <= WINDOW)
            .collect();
        let first = window[0];
        let seconds = latest.at.duration_since(first.at).as_secs_f64().max(1e-3);
        latest
            .series
            .iter()
            .map(|(key, now)| {
                let (kind, name) = key.split_once('|').unwrap_or(("operation", key));
                let before = first.series.get(key).cloned().unwrap_or_default();
                let delta = difference(now, &before);
                let history = window
                    .windows(2)
                    .map(|pair| {
                        let a = pair[0].series.get(key).cloned().unwrap_or_default();
                        let b = pair[1].series.get(key).cloned().unwrap_or_default();
                        quantile(&difference(&b, &a), 0.99).map(|s| s * 1e3)
                    })
                    .collect();
                // A series that was there before the first reading: its whole count is recent.
                let delta = if window.len() == 1 {
                    now.clone()
                } else {
                    delta
                };
                let exact = spans
                    .get(&(kind == "route", name.to_owned()))
                    .filter(|durations| !durations.is_empty())
                    .map(|durations| {
                        let mut sorted = durations.clone();
                        sorted.sort_by(f64::total_cmp);
                        sorted
                    });
                let (p50, p99, percentiles_from, percentile_calls) = match &exact {
                    Some(sorted) => (
                        nearest_rank(sorted, 0.5),
                        nearest_rank(sorted, 0.99),
                        "spans",
                        sorted.len(),
                    ),
                    None => (
                        quantile(&delta, 0.5),
                        quantile(&delta, 0.99),
                        "histogram",
                        delta.count as usize,
                    ),
                };
                OperationStats {
                    name: name.to_owned(),
                    kind: if kind == "route" {
                        "route"
                    } else {
                        "operation"
                    },
                    rate_per_second: if window.len() == 1 {
                        0.0
                    } else {
                        delta.count / seconds
                    },
                    error_rate: if delta.count > 0.0 {
                        delta.failures / delta.count
                    } else {
                        0.0
                    },
                    p50_ms: p50.map(|s| s * 1e3),
                    p99_ms: p99.map(|s| s * 1e3),
                    percentiles_from,
                    percentile_calls,
                    // A trace at least as slow as the p99 shown.
                    p99_exemplar: slow_exemplar(now, p99),
                    p99_history_ms: history,
                    calls: delta.count,
                }
            })
            .collect()
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn difference(now: &Counts, before: &Counts) -> Counts {
    Counts {
        buckets: now
            .buckets
            .iter()
            .map(|(le, count)| {
                let earlier = before
                    .buckets
                    .iter()
                    .find(|(bound, _)| bound == le)
                    .map_or(0.0, |(_, count)| *count);
                (*le, (count - earlier).max(0.0))
            })
            .collect(),
        count: (now.count - before.count).max(0.0),
        failures: (now.failures - before.failures).max(0.0),
        exemplars: Vec::new(),
    }
}

/// The latest exemplar of the slowest bucket that has one, among the buckets that reach `p99`
/// (all of them when there is no p99 yet).
fn slow_exemplar(counts: &Counts, p99: Option<f64>) -> Option<ExemplarLink> {
    counts
        .exemplars
        .iter()
        .filter(|(le, _)| p99.is_none_or(|p99| *le >= p99))
        .max_by(|a, b| {
            a.0.total_cmp(&b.0)
                .then(a.1.unix_nanos.cmp(&b.1.unix_nanos))
        })
        .map(|(_, exemplar)| ExemplarLink {
            trace_id: exemplar.trace_id.to_string(),
            duration_ms: exemplar.value * 1e3,
        })
}

/// The start of the window the operations page covers, as a wall-clock time.
pub(crate) fn window_start() -> SystemTime {
    SystemTime::now() - WINDOW
}

/// The `q` quantile of `sorted` durations by the nearest rank: the smallest duration that at
/// least `q` of them do not exceed (a duration some call really took).
fn nearest_rank(sorted: &[f64], q: f64) -> Option<f64> {
    let rank = (q * sorted.len() as f64).ceil() as usize;
    sorted.get(rank.clamp(1, sorted.len().max(1)) - 1).copied()
}

/// `histogram_quantile`: linear interpolation inside the bucket the rank falls in.
fn quantile(counts: &Counts, q: f64) -> Option<f64> {
    if counts.count <= 0.0 {
        return None;
    }
    let rank = q * counts.count;
    let mut lower_bound = 0.0;
    let mut lower_count = 0.0;
    for &(le, cumulative) in &counts.buckets {
        if cumulative >= rank {
            if le.is_infinite() {
                return Some(lower_bound);
            }
            let inside = cumulative - lower_count;
            let fraction = if inside > 0.0 {
                (rank - lower_count) / inside
            } else {
                0.0
            };
            return Some(lower_bound + (le - lower_bound) * fraction);
        }
        lower_bound = le;
        lower_count = cumulative;
    }
    Some(lower_bound)
}

/// The operations' and routes' counts in a snapshot. Operations merge their outcomes (failures
/// are `failure` and `panic`); routes (`METHOD endpoint`) take their failures from
/// `http_requests_total`'s 5xx.
fn read(snapshot: &Snapshot) -> BTreeMap<String, Counts> {
    use crate::metric_names::{HTTP_REQUEST_DURATION, HTTP_REQUESTS, OPERATION_DURATION};
    let mut series: BTreeMap<String, Counts> = BTreeMap::new();
    for family in &snapshot.families {
        for one in &family.series {
            let label = |key: &str| {
                one.key
                    .labels()
                    .find(|label| label.key() == key)
                    .map(|label| label.value())
            };
            match (family.kind, family.name.as_str(), &one.value) {
                (MetricKind::Histogram, OPERATION_DURATION, Value::Histogram(histogram)) => {
                    let (Some(operation), Some(outcome)) = (label("name"), label("outcome")) else {
                        continue;
                    };
                    let counts = series.entry(format!("operation|{operation}")).or_default();
                    add_histogram(counts, histogram);
                    if outcome == "failure" || outcome == "panic" {
                        counts.failures += histogram.count as f64;
                    }
                }
                (MetricKind::Histogram, HTTP_REQUEST_DURATION, Value::Histogram(histogram)) => {
                    let (Some(method), Some(endpoint)) = (label("method"), label("endpoint"))
                    else {
                        continue;
                    };
                    let counts = series
                        .entry(format!("route|{method} {endpoint}"))
                        .or_default();
                    add_histogram(counts, histogram);
                }
                (MetricKind::Counter, HTTP_REQUESTS, Value::Counter { value, .. }) => {
                    let (Some(method), Some(endpoint), Some(status)) =
                        (label("method"), label("endpoint"), label("status_code"))
                    else {
                        continue;
                    };
                    if status.starts_with('5') {
                        series
                            .entry(format!("route|{method} {endpoint}"))
                            .or_default()
                            .failures += *value as f64;
                    }
                }
                _ => {}
            }
        }
    }
    series
}

/// Adds a histogram's buckets (made cumulative), count and exemplars to `counts`.
fn add_histogram(counts: &mut Counts, histogram: &crate::recorder::HistogramValue) {
    counts.count += histogram.count as f64;
    let bounds = histogram.bounds.iter().copied().chain([f64::INFINITY]);
    let mut cumulative = 0;
    for ((le, count), exemplar) in bounds.zip(&histogram.buckets).zip(&histogram.exemplars) {
        cumulative += count;
        add_bucket(counts, le, cumulative as f64);
        if let Some(exemplar) = exemplar {
            counts.exemplars.push((le, *exemplar));
        }
    }
}

fn add_bucket(counts: &mut Counts, le: f64, value: f64) {
    match counts.buckets.iter_mut().find(|(bound, _)| *bound == le) {
        Some(bucket) => bucket.1 += value,
        None => {
            counts.buckets.push((le, value));
            counts
                .buckets
                .sort_by(|a, b| a.0.partial_cmp(&b.0).unwrap_or(std::cmp::Ordering::Equal));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::recorder::Buckets;

    /// A recorder holding what the example's calls would have recorded.
    fn recorded() -> MetricsRecorder {
        let recorder = MetricsRecorder::new(
            Buckets {
                default: std::sync::Arc::from([0.005, 0.01]),
                per_metric: Vec::new(),
                exponential: false,
            },
            100,
        );
        metrics::with_local_recorder(&recorder, || {
            let inference = |outcome: &'static str| metrics::histogram!(OPERATION, "name" => "ml.inference", "outcome" => outcome);
            for _ in 0..10 {
                inference("success").record(0.001);
                inference("success").record(0.007);
            }
            for _ in 0..5 {
                inference("failure").record(0.007);
            }
            let route =
                metrics::histogram!(ROUTE, "method" => "GET", "endpoint" => "/api/todos/{id}");
            for _ in 0..4 {
                route.record(0.001);
            }
            let requests = |status: &'static str| metrics::counter!(REQUESTS, "method" => "GET", "endpoint" => "/api/todos/{id}", "status_code" => status);
            requests("500").increment(1);
            requests("200").increment(3);
        });
        recorder
    }

    use crate::metric_names::{
        HTTP_REQUEST_DURATION as ROUTE, HTTP_REQUESTS as REQUESTS, OPERATION_DURATION as OPERATION,
    };

    #[test]
    fn operations_merge_outcomes_and_routes_count_5xx_as_errors() {
        let series = read(&recorded().snapshot());
        let inference = &series["operation|ml.inference"];
        assert_eq!(inference.count, 25.0);
        assert_eq!(inference.failures, 5.0);
        assert_eq!(
            inference.buckets,
            [(0.005, 10.0), (0.01, 25.0), (f64::INFINITY, 25.0)]
        );
        let route = &series["route|GET /api/todos/{id}"];
        assert_eq!((route.count, route.failures), (4.0, 1.0));
    }

    #[test]
    fn quantiles_interpolate_within_the_bucket_as_prometheus_does() {
        let counts = &read(&recorded().snapshot())["operation|ml.inference"];
        // Rank 12.5 of 25 falls in (0.005, 0.01], 2.5 of its 15.
        let p50 = quantile(counts, 0.5).unwrap();
        assert!((p50 - (0.005 + 0.005 * 2.5 / 15.0)).abs() < 1e-12, "{p50}");
        assert_eq!(quantile(&Counts::default(), 0.5), None);
    }

    #[test]
    fn percentiles_are_exact_from_the_windows_spans_and_interpolated_without_them() {
        let operations = Operations::new(recorded());
        let durations: Vec<f64> = (1..=200).map(|micros| f64::from(micros) * 1e-6).collect();
        let spans = HashMap::from([((false, "ml.inference".to_owned()), durations)]);
        let stats = operations.stats(&spans);
        let inference = stats.iter().find(|row| row.name == "ml.inference").unwrap();
        assert_eq!(inference.percentiles_from, "spans");
        assert_eq!(inference.percentile_calls, 200);
        assert!(
            (inference.p50_ms.unwrap() - 0.1).abs() < 1e-12,
            "100 µs: {inference:?}"
        );
        assert!(
            (inference.p99_ms.unwrap() - 0.198).abs() < 1e-12,
            "198 µs: {inference:?}"
        );
        let route = stats.iter().find(|row| row.kind == "route").unwrap();
        assert_eq!(
            route.percentiles_from, "histogram",
            "no spans of it: {route:?}"
        );
        assert_eq!(route.percentile_calls, 4);
        assert_eq!(nearest_rank(&[], 0.5), None);
        assert_eq!(nearest_rank(&[0.5], 0.99), Some(0.5));
    }

    #[test]
    fn the_p99_links_to_the_slowest_exemplar_at_or_above_it() {
        let exemplar = |le: f64, trace: u128, value: f64| {
            (
                le,
                Exemplar {
                    trace_id: crate::trace::TraceId(trace),
                    span_id: crate::trace::SpanId(1),
                    value,
                    unix_nanos: 1,
                },
            )
        };
        let counts = Counts {
            exemplars: vec![exemplar(0.005, 1, 0.004), exemplar(0.01, 2, 0.009)],
            ..Counts::default()
        };
        let link = slow_exemplar(&counts, Some(0.0095)).unwrap();
        assert_eq!(link.trace_id, format!("{:032x}", 2));
        assert!((link.duration_ms - 9.0).abs() < 1e-9);
        assert!(
            slow_exemplar(&counts, Some(0.02)).is_none(),
            "none is that slow"
        );
    }
}
