//! An explicit-bucket histogram of atomics: a record finds its bucket by binary search and costs
//! one `fetch_add` and one compare-and-swap (the sum), plus the min/max checks; each bucket keeps
//! its latest exemplar. When asked for, it counts in base-2 exponential buckets as well
//! ([`exponential`](super::exponential)), for an export that wants those.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};

use super::exemplar::{Exemplar, LazySlots};
use super::exponential::{Exponential, ExponentialValue};

/// One histogram series.
pub(crate) struct Histogram {
    /// Upper bounds, finite and increasing; the last bucket (`+Inf`) has none.
    bounds: Arc<[f64]>,
    /// Where samples are counted: one set of cells, and more once threads were seen competing for
    /// it (a sum's compare-and-swap failed), so a hot histogram's threads stop sharing cache lines.
    cells: Cells,
    more: OnceLock<Box<[Padded<Cells>]>>,
    min: AtomicF64,
    max: AtomicF64,
    exemplars: LazySlots,
    exponential: Option<Exponential>,
}

/// Samples per bucket (not cumulative: `bounds.len() + 1` of them) and their sum.
struct Cells {
    buckets: Box<[AtomicU64]>,
    sum: AtomicF64,
}

impl Cells {
    fn new(buckets: usize) -> Cells {
        Cells {
            buckets: (0..buckets).map(|_| AtomicU64::new(0)).collect(),
            sum: AtomicF64::new(0.0),
        }
    }
}

/// Cells on cache lines of their own.
#[repr(align(128))]
struct Padded<T>(T);

/// How many cells a contended histogram has besides its first.
const MORE_CELLS: usize = 7;

/// This thread's choice among a contended histogram's cells.
fn stripe() -> usize {
    use std::sync::atomic::AtomicUsize;
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    thread_local! {
        static STRIPE: usize = NEXT.fetch_add(1, Ordering::Relaxed);
    }
    STRIPE.try_with(|stripe| *stripe).unwrap_or(0)
}

/// What a histogram holds at one moment.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct HistogramValue {
    pub(crate) bounds: Arc<[f64]>,
    /// Samples per bucket, not cumulative; the last is `+Inf`'s.
    pub(crate) buckets: Vec<u64>,
    pub(crate) count: u64,
    pub(crate) sum: f64,
    /// `None` before the first sample.
    pub(crate) min: Option<f64>,
    pub(crate) max: Option<f64>,
    /// Each bucket's latest exemplar.
    pub(crate) exemplars: Vec<Option<Exemplar>>,
    /// The exponential buckets' counts (at their recording scale), when they are kept.
    pub(crate) exponential: Option<ExponentialValue>,
}

impl Histogram {
    /// A histogram of `bounds`, counting in exponential buckets too when `exponential`.
    pub(crate) fn new(bounds: Arc<[f64]>, exponential: bool) -> Histogram {
        Histogram {
            exponential: exponential.then(Exponential::new),
            cells: Cells::new(bounds.len() + 1),
            more: OnceLock::new(),
            bounds,
            min: AtomicF64::new(f64::INFINITY),
            max: AtomicF64::new(f64::NEG_INFINITY),
            exemplars: LazySlots::default(),
        }
    }

    /// The bucket of `value`: the first whose bound it does not exceed (NaN: `+Inf`'s).
    #[inline]
    fn bucket_of(&self, value: f64) -> usize {
        self.bounds
            .partition_point(|bound| *bound < value || value.is_nan())
    }

    /// The cells this thread counts in.
    #[inline]
    fn cells(&self) -> &Cells {
        match self.more.get() {
            None => &self.cells,
            Some(more) => match stripe() % (MORE_CELLS + 1) {
                0 => &self.cells,
                n => &more[n - 1].0,
            },
        }
    }

    /// What the histogram holds now, its min and max starting over (for an export of deltas,
    /// which reports each interval's own).
    pub(crate) fn value_resetting_extremes(&self) -> HistogramValue {
        let mut value = self.value();
        let (min, max) = (
            self.min.swap(f64::INFINITY),
            self.max.swap(f64::NEG_INFINITY),
        );
        value.min = min.is_finite().then_some(min);
        value.max = max.is_finite().then_some(max);
        value
    }

    /// What the histogram holds now. Each bucket is read once; the count is their sum, so the
    /// count and the buckets always agree.
    pub(crate) fn value(&self) -> HistogramValue {
        let mut buckets: Vec<u64> = self
            .cells
            .buckets
            .iter()
            .map(|bucket| bucket.load(Ordering::Relaxed))
            .collect();
        let mut sum = self.cells.sum.load();
        for more in self.more.get().into_iter().flatten() {
            for (total, bucket) in buckets.iter_mut().zip(&more.0.buckets) {
                *total += bucket.load(Ordering::Relaxed);
            }
            sum += more.0.sum.load();
        }
        let count = buckets.iter().sum();
        let (min, max) = (self.min.load(), self.max.load());
        HistogramValue {
            bounds: self.bounds.clone(),
            count,
            sum,
            min: (count > 0 && min.is_finite()).then_some(min),
            max: (count > 0 && max.is_finite()).then_some(max),
            exemplars: (0..buckets.len())
                .map(|index| self.exemplars.read(index))
                .collect(),
            exponential: self.exponential.as_ref().map(Exponential::value),
            buckets,
        }
    }
}

impl metrics::HistogramFn for Histogram {
    #[inline]
    fn record(&self, value: f64) {
        let bucket = self.bucket_of(value);
        let cells = self.cells();
        cells.buckets[bucket].fetch_add(1, Ordering::Relaxed);
        if !cells.sum.try_add(value) {
            // Another thread wrote the sum meanwhile: from now on threads count apart.
            self.more.get_or_init(|| {
                (0..MORE_CELLS)
                    .map(|_| Padded(Cells::new(self.bounds.len() + 1)))
                    .collect()
            });
            cells.sum.add(value);
        }
        self.min.lower_to(value);
        self.max.raise_to(value);
        self.exemplars.offer(bucket, self.bounds.len() + 1, value);
        if let Some(exponential) = &self.exponential {
            exponential.record(value);
        }
    }
}

/// An `f64` in an `AtomicU64`.
pub(crate) struct AtomicF64(AtomicU64);

impl AtomicF64 {
    pub(crate) fn new(value: f64) -> AtomicF64 {
        AtomicF64(AtomicU64::new(value.to_bits()))
    }

    pub(crate) fn load(&self) -> f64 {
        f64::from_bits(self.0.load(Ordering::Relaxed))
    }

    fn swap(&self, value: f64) -> f64 {
        f64::from_bits(self.0.swap(value.to_bits(), Ordering::Relaxed))
    }

    pub(crate) fn store(&self, value: f64) {
        self.0.store(value.to_bits(), Ordering::Relaxed);
    }

    /// Adds `delta` with one compare-and-swap; `false`, adding nothing, when another thread
    /// changed the value meanwhile.
    #[inline]
    fn try_add(&self, delta: f64) -> bool {
        let bits = self.0.load(Ordering::Relaxed);
        let sum = (f64::from_bits(bits) + delta).to_bits();
        self.0
            .compare_exchange(bits, sum, Ordering::Relaxed, Ordering::Relaxed)
            .is_ok()
    }

    #[inline]
    pub(crate) fn add(&self, delta: f64) {
        let _ = self
            .0
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |bits| {
                Some((f64::from_bits(bits) + delta).to_bits())
            });
    }

    /// Lowers the value to `value` if that is smaller (a load, and a write only when it is).
    #[inline]
    fn lower_to(&self, value: f64) {
        if value < self.load() {
            let _ = self
                .0
                .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |bits| {
                    (value < f64::from_bits(bits)).then_some(value.to_bits())
                });
        }
    }

    /// Raises the value to `value` if that is larger.
    #[inline]
    fn raise_to(&self, value: f64) {
        if value > self.load() {
            let _ = self
                .0
                .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |bits| {
                    (value > f64::from_bits(bits)).then_some(value.to_bits())
                });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use metrics::HistogramFn as _;

    #[test]
    fn a_value_on_a_bound_counts_in_that_bucket_and_nan_in_the_last() {
        let histogram = Histogram::new(Arc::from([0.1, 1.0]), false);
        for value in [0.05, 0.1, 0.5, 1.0, 7.0, f64::NAN] {
            histogram.record(value);
        }
        let value = histogram.value();
        assert_eq!(value.buckets, [2, 2, 2]);
        assert_eq!(value.count, 6);
        assert!(value.sum.is_nan());
        assert_eq!((value.min, value.max), (Some(0.05), Some(7.0)));
    }

    #[test]
    fn an_empty_histogram_has_no_min_or_max() {
        let value = Histogram::new(Arc::from([1.0]), false).value();
        assert_eq!((value.count, value.min, value.max), (0, None, None));
        assert_eq!(value.sum, 0.0);
    }

    #[test]
    fn two_threads_lose_no_sample() {
        let histogram = Arc::new(Histogram::new(Arc::from([0.5]), false));
        let threads: Vec<_> = (0..2)
            .map(|_| {
                let histogram = histogram.clone();
                std::thread::spawn(move || {
                    for i in 0..100_000 {
                        histogram.record(f64::from(i % 2));
                    }
                })
            })
            .collect();
        for thread in threads {
            thread.join().unwrap();
        }
        let value = histogram.value();
        assert_eq!(value.buckets, [100_000, 100_000]);
        assert_eq!(value.sum, 100_000.0);
    }
}
