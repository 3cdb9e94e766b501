//! The Tokio runtime's metrics, from its stable `RuntimeMetrics` (no `tokio_unstable`), read
//! when the series are read: workers, alive tasks, the global queue's depth, and each worker's
//! busy time and park count.

use metrics::{Key, KeyName, Label, SharedString, Unit};

use super::process::one_series;
use super::snapshot::{Family, MetricKind, SnapshotSeries, Value};

/// Reads one runtime's metrics.
#[derive(Clone, Debug)]
pub(crate) struct RuntimeReader {
    metrics: tokio::runtime::RuntimeMetrics,
}

impl RuntimeReader {
    /// The reader of the runtime `handle` belongs to.
    pub(crate) fn new(handle: &tokio::runtime::Handle) -> RuntimeReader {
        RuntimeReader {
            metrics: handle.metrics(),
        }
    }

    /// Adds the runtime's families to `families`.
    pub(crate) fn read(&self, families: &mut Vec<Family>) {
        let metrics = &self.metrics;
        let workers = metrics.num_workers();
        for (name, help, value) in [
            (
                "tokio_workers",
                "Worker threads of the Tokio runtime.",
                workers,
            ),
            (
                "tokio_alive_tasks",
                "Tasks alive in the Tokio runtime (spawned, not yet finished).",
                metrics.num_alive_tasks(),
            ),
            (
                "tokio_global_queue_depth",
                "Tasks waiting in the Tokio runtime's global queue.",
                metrics.global_queue_depth(),
            ),
        ] {
            families.push(one_series(
                name,
                MetricKind::Gauge,
                Unit::Count,
                help,
                Value::Gauge(value as f64),
            ));
        }
        families.push(Family {
            name: KeyName::from_const_str("tokio_worker_busy_seconds_total"),
            kind: MetricKind::Counter,
            unit: Some(Unit::Seconds),
            help: Some(SharedString::const_str(
                "Time each Tokio worker spent busy (polling tasks), by worker.",
            )),
            series: per_worker("tokio_worker_busy_seconds_total", workers, |worker| {
                Value::FloatCounter(metrics.worker_total_busy_duration(worker).as_secs_f64())
            }),
        });
        families.push(Family {
            name: KeyName::from_const_str("tokio_worker_park_total"),
            kind: MetricKind::Counter,
            unit: Some(Unit::Count),
            help: Some(SharedString::const_str(
                "Times each Tokio worker parked (ran out of work), by worker.",
            )),
            series: per_worker("tokio_worker_park_total", workers, |worker| {
                Value::Counter {
                    value: metrics.worker_park_count(worker),
                    exemplar: None,
                }
            }),
        });
    }
}

/// One series of `name` a worker, labelled `worker="0"`, `"1"`, ….
fn per_worker(
    name: &'static str,
    workers: usize,
    value: impl Fn(usize) -> Value,
) -> Vec<SnapshotSeries> {
    (0..workers)
        .map(|worker| SnapshotSeries {
            key: Key::from_parts(
                name,
                vec![Label::new(
                    "worker",
                    itoa::Buffer::new().format(worker).to_owned(),
                )],
            ),
            value: value(worker),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_multi_thread_runtime_reads_its_workers_tasks_and_busy_time() {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let reader = RuntimeReader::new(runtime.handle());
        runtime.block_on(async {
            let spinning = tokio::spawn(async {
                let until = std::time::Instant::now() + std::time::Duration::from_millis(30);
                while std::time::Instant::now() < until {
                    tokio::task::yield_now().await;
                }
            });
            let mut families = Vec::new();
            reader.read(&mut families);
            let gauge = |name: &str| match families.iter().find(|f| f.name.as_str() == name) {
                Some(Family { series, .. }) => match series[0].value {
                    Value::Gauge(value) => value,
                    _ => panic!("{name} is a gauge"),
                },
                None => panic!("no {name}"),
            };
            assert_eq!(gauge("tokio_workers"), 2.0);
            assert!(gauge("tokio_alive_tasks") >= 1.0, "the spinning task");
            spinning.await.unwrap();
        });
        let mut families = Vec::new();
        reader.read(&mut families);
        let busy = families
            .iter()
            .find(|f| f.name.as_str() == "tokio_worker_busy_seconds_total")
            .unwrap();
        assert_eq!(busy.series.len(), 2, "one series a worker");
        let total: f64 = busy
            .series
            .iter()
            .map(|series| match series.value {
                Value::FloatCounter(seconds) => seconds,
                _ => panic!("a float counter"),
            })
            .sum();
        assert!(total > 0.0, "30 ms spinning counts as busy: {total}");
    }
}
