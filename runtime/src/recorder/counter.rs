//! A counter and a gauge of atomics; a counter keeps its latest exemplar.

use std::sync::atomic::{AtomicU64, Ordering};

use super::exemplar::{Exemplar, ExemplarSlot};
use super::histogram::AtomicF64;

/// One counter series.
#[derive(Default)]
pub(crate) struct Counter {
    value: AtomicU64,
    exemplar: ExemplarSlot,
}

impl Counter {
    pub(crate) fn value(&self) -> u64 {
        self.value.load(Ordering::Relaxed)
    }

    pub(crate) fn exemplar(&self) -> Option<Exemplar> {
        self.exemplar.read()
    }
}

impl metrics::CounterFn for Counter {
    #[inline]
    fn increment(&self, value: u64) {
        self.value.fetch_add(value, Ordering::Relaxed);
        self.exemplar.offer(value as f64);
    }

    /// A total kept elsewhere (tripod's dropped spans): never lower, and no exemplar, since no
    /// one event caused it.
    fn absolute(&self, value: u64) {
        self.value.fetch_max(value, Ordering::Relaxed);
    }
}

/// One gauge series.
pub(crate) struct Gauge(AtomicF64);

impl Default for Gauge {
    fn default() -> Self {
        Gauge(AtomicF64::new(0.0))
    }
}

impl Gauge {
    pub(crate) fn value(&self) -> f64 {
        self.0.load()
    }
}

impl metrics::GaugeFn for Gauge {
    #[inline]
    fn increment(&self, value: f64) {
        self.0.add(value);
    }

    #[inline]
    fn decrement(&self, value: f64) {
        self.0.add(-value);
    }

    fn set(&self, value: f64) {
        self.0.store(value);
    }
}
