//! The recorder's settings as the builder holds them ([`Settings`]): the histograms' buckets and
//! how many label sets a metric may have; and the recorder made from them.

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
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            default_buckets: DEFAULT_BUCKETS.to_vec(),
            metric_buckets: Vec::new(),
            series_limit: DEFAULT_SERIES_LIMIT,
        }
    }
}

impl Settings {
    /// The recorder, its histograms counting in base-2 exponential buckets too when
    /// `exponential`; the error says which buckets are unusable.
    pub(crate) fn start(&self, exponential: bool) -> Result<MetricsRecorder, String> {
        let mut buckets = Buckets::new(&self.default_buckets, &self.metric_buckets)?;
        buckets.exponential = exponential;
        Ok(MetricsRecorder::new(buckets, self.series_limit))
    }
}
