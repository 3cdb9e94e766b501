//! Each operation's and each HTTP route's rate, error rate and latency over the last minutes,
//! computed from the same histograms `/metrics` serves: the exposition is read every few
//! seconds, and rates and quantiles come from the differences between readings, as
//! Prometheus's `rate()` and `histogram_quantile()` compute them.

use std::collections::{BTreeMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use metrics_exporter_prometheus::PrometheusHandle;
use serde::Serialize;

/// How many readings are kept: 15 minutes at one every 5 seconds.
const READINGS: usize = 180;
/// The window the table's figures cover.
const WINDOW: Duration = Duration::from_secs(5 * 60);

/// One series' cumulative counts at a reading: per bucket bound, the total, and the failures.
#[derive(Clone, Debug, Default)]
struct Counts {
    buckets: Vec<(f64, f64)>,
    count: f64,
    failures: f64,
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
    /// p99 per reading interval over the window, oldest first (for the chart).
    pub(crate) p99_history_ms: Vec<Option<f64>>,
    pub(crate) calls: f64,
}

/// The readings of the exposition.
pub(crate) struct Operations {
    handle: PrometheusHandle,
    readings: Mutex<VecDeque<Reading>>,
}

impl Operations {
    pub(crate) fn new(handle: PrometheusHandle) -> Operations {
        Operations {
            handle,
            readings: Mutex::new(VecDeque::new()),
        }
    }

    /// Takes a reading now.
    pub(crate) fn read(&self) {
        let series = parse(&self.handle.render());
        let mut readings = self
            .readings
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        readings.push_back(Reading {
            at: Instant::now(),
            series,
        });
        while readings.len() > READINGS {
            readings.pop_front();
        }
    }

    /// The table: a fresh reading against the oldest within the window.
    pub(crate) fn stats(&self) -> Vec<OperationStats> {
        self.read();
        let readings = self
            .readings
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
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
                    p50_ms: quantile(&delta, 0.5).map(|s| s * 1e3),
                    p99_ms: quantile(&delta, 0.99).map(|s| s * 1e3),
                    p99_history_ms: history,
                    calls: delta.count,
                }
            })
            .collect()
    }
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
    }
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

/// The operations' and routes' counts in an exposition. Operations merge their outcomes
/// (failures are `failure` and `panic`); routes (`METHOD endpoint`) take their failures from
/// `http_requests_total`'s 5xx.
fn parse(exposition: &str) -> BTreeMap<String, Counts> {
    let mut series: BTreeMap<String, Counts> = BTreeMap::new();
    for line in exposition.lines().filter(|line| !line.starts_with('#')) {
        let Some((name, rest)) = line.split_once('{') else {
            continue;
        };
        let Some((labels, value)) = rest.rsplit_once('}') else {
            continue;
        };
        let Ok(value) = value.trim().parse::<f64>() else {
            continue;
        };
        let labels = labels_of(labels);
        let label = |key: &str| {
            labels
                .iter()
                .find(|(k, _)| k == key)
                .map(|(_, v)| v.as_str())
        };
        match name {
            "operation_duration_seconds_bucket" | "operation_duration_seconds_count" => {
                let (Some(operation), Some(outcome)) = (label("name"), label("outcome")) else {
                    continue;
                };
                let counts = series.entry(format!("operation|{operation}")).or_default();
                if name.ends_with("_count") {
                    counts.count += value;
                    if outcome == "failure" || outcome == "panic" {
                        counts.failures += value;
                    }
                } else if let Some(le) = label("le").and_then(bound) {
                    add_bucket(counts, le, value);
                }
            }
            "http_request_duration_seconds_bucket" | "http_request_duration_seconds_count" => {
                let (Some(method), Some(endpoint)) = (label("method"), label("endpoint")) else {
                    continue;
                };
                let counts = series
                    .entry(format!("route|{method} {endpoint}"))
                    .or_default();
                if name.ends_with("_count") {
                    counts.count += value;
                } else if let Some(le) = label("le").and_then(bound) {
                    add_bucket(counts, le, value);
                }
            }
            "http_requests_total" => {
                let (Some(method), Some(endpoint), Some(status)) =
                    (label("method"), label("endpoint"), label("status_code"))
                else {
                    continue;
                };
                if status.starts_with('5') {
                    series
                        .entry(format!("route|{method} {endpoint}"))
                        .or_default()
                        .failures += value;
                }
            }
            _ => {}
        }
    }
    series
}

fn bound(le: &str) -> Option<f64> {
    if le == "+Inf" {
        Some(f64::INFINITY)
    } else {
        le.parse().ok()
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

/// `key="value",key2="value2"`, unescaping `\"` and `\\`.
fn labels_of(text: &str) -> Vec<(String, String)> {
    let mut labels = Vec::new();
    let mut rest = text;
    while let Some((key, after)) = rest.split_once("=\"") {
        let mut value = String::new();
        let mut chars = after.char_indices();
        let mut end = after.len();
        while let Some((i, c)) = chars.next() {
            match c {
                '\\' => {
                    if let Some((_, escaped)) = chars.next() {
                        value.push(if escaped == 'n' { '\n' } else { escaped });
                    }
                }
                '"' => {
                    end = i + 1;
                    break;
                }
                c => value.push(c),
            }
        }
        labels.push((key.trim_start_matches(',').trim().to_owned(), value));
        rest = &after[end..];
    }
    labels
}

#[cfg(test)]
mod tests {
    use super::*;

    const EXPOSITION: &str = r#"# HELP operation_duration_seconds Duration.
operation_duration_seconds_bucket{name="ml.inference",outcome="success",le="0.005"} 10
operation_duration_seconds_bucket{name="ml.inference",outcome="success",le="0.01"} 20
operation_duration_seconds_bucket{name="ml.inference",outcome="success",le="+Inf"} 20
operation_duration_seconds_count{name="ml.inference",outcome="success"} 20
operation_duration_seconds_bucket{name="ml.inference",outcome="failure",le="0.005"} 0
operation_duration_seconds_bucket{name="ml.inference",outcome="failure",le="0.01"} 5
operation_duration_seconds_bucket{name="ml.inference",outcome="failure",le="+Inf"} 5
operation_duration_seconds_count{name="ml.inference",outcome="failure"} 5
http_request_duration_seconds_bucket{method="GET",endpoint="/api/todos/{id}",le="0.005"} 4
http_request_duration_seconds_bucket{method="GET",endpoint="/api/todos/{id}",le="+Inf"} 4
http_request_duration_seconds_count{method="GET",endpoint="/api/todos/{id}"} 4
http_requests_total{method="GET",endpoint="/api/todos/{id}",status_code="500"} 1
http_requests_total{method="GET",endpoint="/api/todos/{id}",status_code="200"} 3
"#;

    #[test]
    fn operations_merge_outcomes_and_routes_count_5xx_as_errors() {
        let series = parse(EXPOSITION);
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
        let counts = &parse(EXPOSITION)["operation|ml.inference"];
        // Rank 12.5 of 25 falls in (0.005, 0.01], 2.5 of its 15.
        let p50 = quantile(counts, 0.5).unwrap();
        assert!((p50 - (0.005 + 0.005 * 2.5 / 15.0)).abs() < 1e-12, "{p50}");
        assert_eq!(quantile(&Counts::default(), 0.5), None);
    }
}
