//! The recorder's settings as the builder holds them ([`Settings`]): the histograms' buckets, how
//! many label sets a metric may have, and whether the process's and the runtime's metrics are
//! read with the series; and the recorder made from them.

use super::{Buckets, DEFAULT_BUCKETS, DEFAULT_SERIES_LIMIT, MetricsRecorder};

/// The recorder's settings, as the builder's setters left them.
#[derive(Clone, Debug)]
pub(crate) struct Settings {
    /// The buckets of every histogram without buckets of its own.
    pub(crate) default_buckets: Vec<f64>,
    /// Histograms' own buckets, by full name; the first match wins.
    pub(crate) metric_buckets: Vec<(String, Vec<f64>)>,
    /// How many label sets one metric may have.
    pub(crate) series_limit: usize,
    /// Whether the process's metrics are read with the series (`process_*`).
    pub(crate) process_metrics: bool,
    /// Whether the Tokio runtime's metrics are read with the series (`tokio_*`), and of which
    /// runtime (`None`: the one `install()` runs on, if any).
    pub(crate) runtime_metrics: bool,
    pub(crate) runtime: Option<tokio::runtime::Handle>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            default_buckets: DEFAULT_BUCKETS.to_vec(),
            metric_buckets: Vec::new(),
            series_limit: DEFAULT_SERIES_LIMIT,
            process_metrics: true,
            runtime_metrics: true,
            runtime: None,
        }
    }
}

impl Settings {
    /// The recorder, its histograms counting in base-2 exponential buckets too when
    /// `exponential`; the error says which buckets are unusable.
    pub(crate) fn start(&self, exponential: bool) -> Result<MetricsRecorder, String> {
        let mut buckets = Buckets::new(&self.default_buckets, &self.metric_buckets)?;
        buckets.exponential = exponential;
        let recorder = MetricsRecorder::new(buckets, self.series_limit);
        if self.process_metrics {
            recorder.read_also(super::process::read);
        }
        let runtime = self
            .runtime
            .clone()
            .or_else(|| tokio::runtime::Handle::try_current().ok())
            .filter(|_| self.runtime_metrics);
        if let Some(runtime) = runtime {
            let reader = super::runtime::RuntimeReader::new(&runtime);
            recorder.read_also(move |families| reader.read(families));
        }
        Ok(recorder)
    }
}
