//! A metric's latest exemplar: the sampled span that was current on the thread recording a value,
//! the value, and when. One [`ExemplarSlot`] per histogram bucket and per counter.
//!
//! Recording threads write a slot under a sequence lock over atomics (a writer that finds another
//! mid-write skips its exemplar; a reader retries), so neither side ever waits. Asking for the
//! current span costs a few tens of nanoseconds, so a slot asks at most once per
//! [`REFRESH`]: a bucket that sees a million samples a second still asks about a hundred times a
//! second, and the exemplar a scrape reads is at most that old.

use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering, fence};
use std::time::Duration;

use crate::trace::{SpanId, TraceId};

/// How often a slot looks for a new exemplar, at most.
pub(crate) const REFRESH: Duration = Duration::from_millis(10);

/// One exemplar, as the expositions write it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Exemplar {
    pub(crate) trace_id: TraceId,
    pub(crate) span_id: SpanId,
    pub(crate) value: f64,
    /// Nanoseconds since the Unix epoch.
    pub(crate) unix_nanos: u64,
}

/// The slot of one bucket or counter.
#[derive(Default)]
pub(crate) struct ExemplarSlot {
    /// Even when the fields are consistent, odd while a writer writes them; 0 until the first.
    seq: AtomicU64,
    trace_high: AtomicU64,
    trace_low: AtomicU64,
    span: AtomicU64,
    value: AtomicU64,
    unix_nanos: AtomicU64,
    /// When this slot last asked for the current span, on [`coarse_nanos`]'s clock (0: never).
    asked: AtomicU64,
}

impl ExemplarSlot {
    /// Takes `value` as the exemplar, when this slot has not asked for the current span within
    /// [`REFRESH`] and a sampled span is current.
    #[inline]
    pub(crate) fn offer(&self, value: f64) {
        let now = coarse_nanos();
        let asked = self.asked.load(Ordering::Relaxed);
        if asked != 0 && now.saturating_sub(asked) < REFRESH.as_nanos() as u64 {
            return;
        }
        self.offer_now(value, now);
    }

    #[cold]
    #[inline(never)]
    fn offer_now(&self, value: f64, now: u64) {
        self.asked.store(now.max(1), Ordering::Relaxed);
        let Some(ids) = crate::trace::current_ids().filter(|ids| ids.sampled) else {
            return;
        };
        self.write(Exemplar {
            trace_id: ids.trace_id,
            span_id: ids.span_id,
            value,
            unix_nanos: unix_nanos(),
        });
    }

    /// Writes `exemplar`, unless another thread is writing this slot right now.
    pub(crate) fn write(&self, exemplar: Exemplar) {
        let seq = self.seq.load(Ordering::Relaxed);
        if seq % 2 == 1
            || self
                .seq
                .compare_exchange(seq, seq + 1, Ordering::Acquire, Ordering::Relaxed)
                .is_err()
        {
            return;
        }
        self.trace_high
            .store((exemplar.trace_id.0 >> 64) as u64, Ordering::Relaxed);
        self.trace_low
            .store(exemplar.trace_id.0 as u64, Ordering::Relaxed);
        self.span.store(exemplar.span_id.0, Ordering::Relaxed);
        self.value
            .store(exemplar.value.to_bits(), Ordering::Relaxed);
        self.unix_nanos
            .store(exemplar.unix_nanos, Ordering::Relaxed);
        self.seq.store(seq + 2, Ordering::Release);
    }

    /// The exemplar, once one was written.
    pub(crate) fn read(&self) -> Option<Exemplar> {
        loop {
            let before = self.seq.load(Ordering::Acquire);
            if before == 0 {
                return None;
            }
            if before % 2 == 1 {
                std::hint::spin_loop();
                continue;
            }
            let exemplar = Exemplar {
                trace_id: TraceId(
                    (u128::from(self.trace_high.load(Ordering::Relaxed)) << 64)
                        | u128::from(self.trace_low.load(Ordering::Relaxed)),
                ),
                span_id: SpanId(self.span.load(Ordering::Relaxed)),
                value: f64::from_bits(self.value.load(Ordering::Relaxed)),
                unix_nanos: self.unix_nanos.load(Ordering::Relaxed),
            };
            fence(Ordering::Acquire);
            if self.seq.load(Ordering::Relaxed) == before {
                return Some(exemplar);
            }
        }
    }
}

/// Exemplar slots made on first use: a series recorded outside sampled spans holds none.
#[derive(Default)]
pub(crate) struct LazySlots(OnceLock<Box<[ExemplarSlot]>>);

impl LazySlots {
    /// Offers `value` to slot `index` of `len`.
    #[inline]
    pub(crate) fn offer(&self, index: usize, len: usize, value: f64) {
        let slots = self
            .0
            .get_or_init(|| (0..len).map(|_| ExemplarSlot::default()).collect());
        if let Some(slot) = slots.get(index) {
            slot.offer(value);
        }
    }

    /// The exemplar of slot `index`.
    pub(crate) fn read(&self, index: usize) -> Option<Exemplar> {
        self.0.get()?.get(index)?.read()
    }
}

/// Nanoseconds on a clock that a background thread advances every 10 ms (`quanta`'s
/// "recent" time): reading it is one atomic load, where reading the TSC costs ten times more.
#[inline]
fn coarse_nanos() -> u64 {
    static BASE: OnceLock<quanta::Instant> = OnceLock::new();
    let base = *BASE.get_or_init(|| {
        start_coarse_clock();
        quanta::Instant::now()
    });
    quanta::Instant::recent()
        .saturating_duration_since(base)
        .as_nanos() as u64
}

/// Starts `quanta`'s upkeep thread once per process, for good (tripod's recorders come and go in
/// tests; the clock they share must not stop with one of them). Without it, `recent()` reads the
/// TSC itself: slower, still right.
fn start_coarse_clock() {
    if let Ok(handle) = quanta::Upkeep::new(Duration::from_millis(10)).start() {
        std::mem::forget(handle);
    }
}

fn unix_nanos() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |since| since.as_nanos() as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_slot_holds_what_was_written_last_and_nothing_before() {
        let slot = ExemplarSlot::default();
        assert_eq!(slot.read(), None);
        let first = Exemplar {
            trace_id: TraceId(u128::MAX - 1),
            span_id: SpanId(7),
            value: 0.25,
            unix_nanos: 1_700_000_000_000_000_000,
        };
        slot.write(first);
        assert_eq!(slot.read(), Some(first));
        let second = Exemplar {
            value: 4.0,
            ..first
        };
        slot.write(second);
        assert_eq!(slot.read(), Some(second));
    }

    #[test]
    fn outside_any_span_no_exemplar_is_taken() {
        let slot = ExemplarSlot::default();
        slot.offer(1.0);
        assert_eq!(slot.read(), None);
    }
}
