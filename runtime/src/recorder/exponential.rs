//! A base-2 exponential histogram of atomics, as OpenTelemetry defines it: at scale `s` bucket
//! `i` holds the values in `(2^(i/2^s), 2^((i+1)/2^s)]`, so every bucket is the same ratio wide
//! and a quantile read from it is within that ratio of the truth at any magnitude.
//!
//! Samples are counted at scale 5 (32 buckets per doubling, each 2.2 % wide) in octaves
//! allocated on first use (128 bytes of counters per doubling a series' values span), from 2⁻³⁰
//! (about a nanosecond, in seconds) to 2³⁴; values outside are counted in the edge buckets, zero
//! in the zero bucket. A reading is then scaled down, exactly (adjacent buckets merged), until it
//! fits the buckets a point may have (OpenTelemetry's SDKs' default is 160): the scale the SDKs
//! would choose for the same values, but never finer than 5.
//!
//! A record finds its bucket from the value's bits (the exponent gives the octave; the top seven
//! bits of the mantissa pick a cell of a table, and one comparison with the one boundary the cell
//! may hold, the bucket within it) and costs one `fetch_add`. Hand-written: the OpenTelemetry
//! Rust SDK's `log2`-based index costs more per sample (BENCHMARKS.md has the record cost).

// Only the OTLP export reads exponential histograms (scaled to fit, or as deltas).
#![cfg_attr(not(feature = "otlp"), allow(dead_code))]

use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};

/// The scale samples are counted at.
pub(crate) const RECORDING_SCALE: i32 = 5;
/// Buckets per doubling at the recording scale.
const PER_OCTAVE: usize = 1 << RECORDING_SCALE;
/// The octaves counted: values from 2^LOWEST_OCTAVE up to 2^(HIGHEST_OCTAVE + 1).
const LOWEST_OCTAVE: i32 = -30;
const HIGHEST_OCTAVE: i32 = 33;
const OCTAVES: usize = (HIGHEST_OCTAVE - LOWEST_OCTAVE + 1) as usize;

/// How many buckets a point may have by default, per sign (OpenTelemetry's `MaxSize`).
pub(crate) const MAX_BUCKETS: usize = 160;

const MANTISSA: u64 = (1 << 52) - 1;
/// The mantissa's top bits that pick a table cell: 128 cells, each narrower (1/128 of an
/// octave's mantissa) than the narrowest bucket (2^(1/32) - 1 ≈ 0.022), so a cell holds at most
/// one boundary.
const CELL_BITS: u32 = 7;

/// Where the buckets of an octave start: the mantissa bits of `2^(k/32)` for k = 1 … 31, and
/// for each cell how many of them lie below it.
struct Table {
    boundaries: [u64; PER_OCTAVE - 1],
    below: [u8; 1 << CELL_BITS],
}

fn table() -> &'static Table {
    static TABLE: OnceLock<Table> = OnceLock::new();
    TABLE.get_or_init(|| {
        let boundaries: [u64; PER_OCTAVE - 1] = std::array::from_fn(|k| {
            let boundary = ((k + 1) as f64 / PER_OCTAVE as f64).exp2();
            boundary.to_bits() & MANTISSA
        });
        let below = std::array::from_fn(|cell| {
            let start = (cell as u64) << (52 - CELL_BITS);
            boundaries.partition_point(|boundary| *boundary < start) as u8
        });
        Table { boundaries, below }
    })
}

/// How many of the octave's boundaries lie below `mantissa`: the bucket within the octave.
#[inline]
fn within_octave(mantissa: u64) -> i32 {
    let table = table();
    let below = table.below[(mantissa >> (52 - CELL_BITS)) as usize];
    let next = table.boundaries.get(usize::from(below));
    i32::from(below) + i32::from(next.is_some_and(|boundary| *boundary < mantissa))
}

/// The bucket index of a finite `magnitude > 0` at the recording scale, clamped to the octaves
/// counted.
fn index_of(magnitude: f64) -> i32 {
    let bits = magnitude.to_bits();
    let exponent = ((bits >> 52) & 0x7ff) as i32 - 1023;
    let lowest = LOWEST_OCTAVE * PER_OCTAVE as i32;
    let highest = (HIGHEST_OCTAVE + 1) * PER_OCTAVE as i32 - 1;
    if exponent < LOWEST_OCTAVE {
        return lowest;
    }
    if exponent > HIGHEST_OCTAVE {
        return highest;
    }
    let mantissa = bits & MANTISSA;
    let octave_start = exponent * PER_OCTAVE as i32;
    if mantissa == 0 {
        // An exact power of two closes the bucket below it (upper bounds are inclusive).
        return (octave_start - 1).max(lowest);
    }
    octave_start + within_octave(mantissa)
}

/// One sign's buckets: an octave's counters exist once a value fell in it.
struct Octaves {
    octaves: Box<[OnceLock<Box<[AtomicU64; PER_OCTAVE]>>]>,
}

impl Octaves {
    fn new() -> Octaves {
        Octaves {
            octaves: (0..OCTAVES).map(|_| OnceLock::new()).collect(),
        }
    }

    #[inline]
    fn add(&self, index: i32) {
        let position = (index - LOWEST_OCTAVE * PER_OCTAVE as i32) as usize;
        let octave = self.octaves[position / PER_OCTAVE]
            .get_or_init(|| Box::new(std::array::from_fn(|_| AtomicU64::new(0))));
        octave[position % PER_OCTAVE].fetch_add(1, Ordering::Relaxed);
    }

    /// The counts, from the first bucket holding any to the last.
    fn read(&self) -> Buckets {
        let mut counts = Vec::new();
        let mut offset = None;
        for (number, octave) in self.octaves.iter().enumerate() {
            let Some(octave) = octave.get() else { continue };
            for (within, count) in octave.iter().enumerate() {
                let count = count.load(Ordering::Relaxed);
                let index = (LOWEST_OCTAVE + number as i32) * PER_OCTAVE as i32 + within as i32;
                if count == 0 && offset.is_none() {
                    continue;
                }
                let first = *offset.get_or_insert(index);
                counts.resize((index - first) as usize, 0);
                counts.push(count);
            }
        }
        while counts.last() == Some(&0) {
            counts.pop();
        }
        Buckets {
            offset: offset.unwrap_or(0),
            counts,
        }
    }
}

/// Consecutive buckets of one sign: `counts[k]` is bucket `offset + k`'s.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct Buckets {
    pub(crate) offset: i32,
    pub(crate) counts: Vec<u64>,
}

impl Buckets {
    fn is_empty(&self) -> bool {
        self.counts.is_empty()
    }

    /// The buckets one scale coarser: bucket `i` becomes `i >> 1`.
    fn halved(&self) -> Buckets {
        if self.is_empty() {
            return Buckets::default();
        }
        let offset = self.offset >> 1;
        let last = (self.offset + self.counts.len() as i32 - 1) >> 1;
        let mut counts = vec![0; (last - offset + 1) as usize];
        for (k, count) in self.counts.iter().enumerate() {
            counts[(((self.offset + k as i32) >> 1) - offset) as usize] += count;
        }
        Buckets { offset, counts }
    }

    /// These counts less `earlier`'s (the same scale), bucket by bucket.
    fn less(&self, earlier: &Buckets) -> Buckets {
        let mut counts = self.counts.clone();
        for (k, count) in earlier.counts.iter().enumerate() {
            let index = earlier.offset + k as i32 - self.offset;
            if let Some(now) = usize::try_from(index).ok().and_then(|i| counts.get_mut(i)) {
                *now = now.saturating_sub(*count);
            }
        }
        let leading = counts.iter().take_while(|count| **count == 0).count();
        counts.drain(..leading);
        while counts.last() == Some(&0) {
            counts.pop();
        }
        Buckets {
            offset: if counts.is_empty() {
                0
            } else {
                self.offset + leading as i32
            },
            counts,
        }
    }
}

/// What an exponential histogram holds at one moment (its count, sum, min and max are the
/// histogram's own).
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct ExponentialValue {
    pub(crate) scale: i32,
    pub(crate) zero_count: u64,
    pub(crate) positive: Buckets,
    pub(crate) negative: Buckets,
}

impl ExponentialValue {
    /// The same counts at the finest scale where each sign fits in `max_buckets`.
    pub(crate) fn fitted(&self, max_buckets: usize) -> ExponentialValue {
        let mut value = self.clone();
        while value.positive.counts.len().max(value.negative.counts.len()) > max_buckets.max(1) {
            value.scale -= 1;
            value.positive = value.positive.halved();
            value.negative = value.negative.halved();
        }
        value
    }

    /// What changed since `earlier` (read at the same scale).
    pub(crate) fn less(&self, earlier: &ExponentialValue) -> ExponentialValue {
        ExponentialValue {
            scale: self.scale,
            zero_count: self.zero_count.saturating_sub(earlier.zero_count),
            positive: self.positive.less(&earlier.positive),
            negative: self.negative.less(&earlier.negative),
        }
    }

    /// The lower and upper bound of bucket `index` at this scale.
    #[cfg(test)]
    pub(crate) fn bounds_of(&self, index: i32) -> (f64, f64) {
        let base = (-f64::from(self.scale)).exp2().exp2();
        (base.powi(index), base.powi(index + 1))
    }
}

/// The exponential buckets of one histogram series.
pub(crate) struct Exponential {
    zero: AtomicU64,
    positive: Octaves,
    /// Made on the first negative value (durations have none).
    negative: OnceLock<Octaves>,
}

impl Exponential {
    pub(crate) fn new() -> Exponential {
        Exponential {
            zero: AtomicU64::new(0),
            positive: Octaves::new(),
            negative: OnceLock::new(),
        }
    }

    /// Counts `value`; NaN and infinities are not counted here (they count in the histogram's
    /// count and sum, as in its explicit buckets' `+Inf`).
    #[inline]
    pub(crate) fn record(&self, value: f64) {
        if value == 0.0 {
            self.zero.fetch_add(1, Ordering::Relaxed);
        } else if value.is_finite() {
            let index = index_of(value.abs());
            if value > 0.0 {
                self.positive.add(index);
            } else {
                self.negative.get_or_init(Octaves::new).add(index);
            }
        }
    }

    /// The counts now, at the recording scale.
    pub(crate) fn value(&self) -> ExponentialValue {
        ExponentialValue {
            scale: RECORDING_SCALE,
            zero_count: self.zero.load(Ordering::Relaxed),
            positive: self.positive.read(),
            negative: self.negative.get().map(Octaves::read).unwrap_or_default(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_value_lands_in_the_bucket_whose_bounds_hold_it_a_power_of_two_in_the_one_below() {
        let value = ExponentialValue {
            scale: RECORDING_SCALE,
            ..ExponentialValue::default()
        };
        for sample in [1e-9, 4.2e-5, 0.001, 0.0457, 0.3, 1.0, 1.5, 2.0, 7.0, 1e9] {
            let index = index_of(sample);
            let (lower, upper) = value.bounds_of(index);
            assert!(
                lower < sample * (1.0 + 1e-12) && sample <= upper * (1.0 + 1e-12),
                "{sample} in ({lower}, {upper}] as bucket {index}"
            );
        }
        assert_eq!(index_of(1.0), -1, "(2^-1/32, 1]");
        assert_eq!(index_of(2.0), 31);
        assert_eq!(index_of(2.0f64.powf(1.0 / 32.0) * 1.000_001), 1);
        assert_eq!(index_of(f64::MIN_POSITIVE), LOWEST_OCTAVE * 32, "clamped");
        assert_eq!(index_of(1e300), (HIGHEST_OCTAVE + 1) * 32 - 1, "clamped");
    }

    #[test]
    fn the_table_finds_the_bucket_a_search_of_every_boundary_finds() {
        let table = table();
        let mut mantissa = 1u64;
        while mantissa < MANTISSA {
            let searched = table
                .boundaries
                .partition_point(|boundary| *boundary < mantissa) as i32;
            assert_eq!(within_octave(mantissa), searched, "{mantissa:#x}");
            mantissa = mantissa * 3 + 7;
        }
        for boundary in table.boundaries {
            for near in [boundary - 1, boundary, boundary + 1] {
                let searched = table.boundaries.partition_point(|b| *b < near) as i32;
                assert_eq!(within_octave(near), searched, "{near:#x}");
            }
        }
    }

    #[test]
    fn counts_are_read_sparse_and_scaled_down_exactly_to_fit() {
        let histogram = Exponential::new();
        for sample in [40e-6, 45e-6, 50e-6, 0.002, 1.5, 0.0, -3.0] {
            histogram.record(sample);
        }
        histogram.record(f64::NAN);
        let value = histogram.value();
        assert_eq!(value.zero_count, 1);
        assert_eq!(value.positive.counts.iter().sum::<u64>(), 5);
        assert_eq!(value.negative.counts, [1]);
        assert_eq!(value.positive.offset, index_of(40e-6));
        let fitted = value.fitted(MAX_BUCKETS);
        assert!(fitted.positive.counts.len() <= MAX_BUCKETS);
        // 40 µs … 1.5 s is 15 doublings: 32 per doubling is too many, 16 fit (240 > 160 > 15×8).
        assert_eq!(fitted.scale, 3);
        assert_eq!(fitted.positive.counts.iter().sum::<u64>(), 5);
        for sample in [40e-6, 1.5] {
            let index = index_of(sample) >> (RECORDING_SCALE - fitted.scale);
            let (lower, upper) = fitted.bounds_of(index);
            assert!(
                lower < sample && sample <= upper,
                "{sample} in ({lower}, {upper}]"
            );
            let k = (index - fitted.positive.offset) as usize;
            assert!(
                fitted.positive.counts[k] >= 1,
                "{sample} is counted in bucket {index}"
            );
        }
        assert_eq!(value.fitted(2).positive.counts.len(), 2);
    }

    #[test]
    fn a_difference_keeps_what_changed_only() {
        let histogram = Exponential::new();
        histogram.record(0.001);
        let before = histogram.value();
        histogram.record(0.001);
        histogram.record(2.0);
        let change = histogram.value().less(&before);
        assert_eq!(change.positive.counts.iter().sum::<u64>(), 2);
        assert_eq!(change.positive.offset, index_of(0.001));
        assert_eq!(
            histogram.value().less(&histogram.value()),
            ExponentialValue {
                scale: RECORDING_SCALE,
                ..ExponentialValue::default()
            }
        );
    }
}
