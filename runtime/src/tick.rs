//! The clock the application's threads read: a raw TSC reading (`quanta`'s counter, or its
//! monotonic clock where there is no usable TSC), scaled to nanoseconds only when a duration or
//! an instant is wanted, on whichever thread wants it.
//!
//! `quanta::Instant::now()` checks a thread-local clock override, then scales the reading; the
//! caller reads the counter and nothing else. An observed call reads it twice (its start and its
//! end), where each of its six records and timings used to read it: a reading is [`Lent`] to the
//! records made around it (measured in `per_call_cpu`, see
//! BENCHMARKS.md).

use std::cell::Cell;
use std::sync::OnceLock;
use std::time::Duration;

use crate::call_path::{CallMetrics, StillRunning};

/// The process's clock, calibrated once (about a millisecond, the first time it is read).
fn clock() -> &'static quanta::Clock {
    static CLOCK: OnceLock<quanta::Clock> = OnceLock::new();
    CLOCK.get_or_init(quanta::Clock::new)
}

/// One reading of the clock, unscaled: comparable with other readings on any thread.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Tick(u64);

impl Tick {
    /// Reads the clock.
    #[inline]
    pub(crate) fn now() -> Tick {
        Tick(clock().raw())
    }

    /// The time from `earlier` to this reading (zero when `earlier` is later).
    #[inline]
    pub(crate) fn since(self, earlier: Tick) -> Duration {
        Duration::from_nanos(clock().delta_as_nanos(earlier.0, self.0))
    }

    /// This reading as a `quanta::Instant`, on the time line of `quanta::Instant::now()`.
    #[cfg_attr(not(feature = "_init"), allow(dead_code))]
    pub(crate) fn instant(self) -> quanta::Instant {
        clock().scaled(self.0)
    }
}

/// Calibrates the clock, so the first reading that matters does not pay for it.
pub(crate) fn warm_up() {
    let _ = Tick::now();
}

/// What is lent: the reading, and whether the next span this thread starts is an observed call's
/// (marked by [`Lent::for_call`], taken by the span's start: [`take_call_mark`]), with the
/// call site's metrics when the collector thread records them.
#[derive(Clone, Copy)]
struct Lend {
    tick: Tick,
    call: Option<CallMark>,
}

/// An observed call's mark: its site's metrics, when the collector thread records them, and when
/// the call is reported while it still runs.
#[cfg_attr(not(feature = "_init"), allow(dead_code))]
#[derive(Clone, Copy)]
pub(crate) struct CallMark {
    pub(crate) metrics: Option<&'static dyn CallMetrics>,
    pub(crate) still_running: StillRunning,
}

thread_local! {
    /// The reading lent to this thread's records, while a [`Lent`] lives.
    static LENT: Cell<Option<Lend>> = const { Cell::new(None) };
}

impl Tick {
    /// The reading lent to this thread ([`Lent`]), else a fresh one: what a record's time is.
    #[inline]
    #[cfg_attr(not(feature = "_init"), allow(dead_code))]
    pub(crate) fn lent_or_now() -> Tick {
        LENT.try_with(Cell::get)
            .ok()
            .flatten()
            .map_or_else(Tick::now, |lend| lend.tick)
    }
}

/// The mark of the observed call whose reading [`Lent::for_call`] lent, when the span starting
/// now is that call's; the mark is taken, so the call's other records (and spans its body
/// starts) are not.
#[inline]
#[cfg_attr(not(feature = "_init"), allow(dead_code))]
pub(crate) fn take_call_mark() -> Option<CallMark> {
    LENT.try_with(|lent| {
        let lend = lent.get()?;
        let mark = lend.call?;
        lent.set(Some(Lend { call: None, ..lend }));
        Some(mark)
    })
    .ok()
    .flatten()
}

/// One reading, lent to the records this thread makes while it lives: an observed call's span
/// start and `NAME.start` event take the reading the call is timed from, its `NAME.success` (or
/// failure) event, the fields it records and its span's close the reading it is timed to. One
/// clock reading
/// serves what happens within the same few hundred nanoseconds, and the span, the event's
/// `duration_ms` and the histogram measure the same interval. Dropping it (also when
/// unwinding) lends again what was lent before, for a call started inside another's setup.
pub(crate) struct Lent {
    tick: Tick,
    before: Option<Lend>,
}

impl Lent {
    /// Reads the clock and lends the reading.
    #[inline]
    pub(crate) fn now() -> Lent {
        Lent::lend(None)
    }

    /// Reads the clock and lends the reading to an observed call's span, which its start marks
    /// as the call's ([`take_call_mark`]).
    #[inline]
    pub(crate) fn for_call(mark: CallMark) -> Lent {
        Lent::lend(Some(mark))
    }

    #[inline]
    fn lend(call: Option<CallMark>) -> Lent {
        let tick = Tick::now();
        let before = LENT
            .try_with(|lent| lent.replace(Some(Lend { tick, call })))
            .ok()
            .flatten();
        Lent { tick, before }
    }

    /// The reading.
    #[inline]
    pub(crate) fn tick(&self) -> Tick {
        self.tick
    }
}

impl Drop for Lent {
    #[inline]
    fn drop(&mut self) {
        let _ = LENT.try_with(|lent| lent.set(self.before));
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::Tick;

    #[test]
    fn a_later_reading_measures_a_time_between_an_earlier_one_none_and_both_sit_on_quantas_time_line()
     {
        let before = Tick::now();
        let instant_before = quanta::Instant::now();
        std::thread::sleep(Duration::from_millis(5));
        let instant_after = quanta::Instant::now();
        let after = Tick::now();
        assert!(after.since(before) > Duration::ZERO);
        assert_eq!(before.since(after), Duration::ZERO);
        // On quanta's own time line: the scaled readings bracket the instants read between.
        assert!(before.instant() <= instant_before && after.instant() >= instant_after);
    }

    #[test]
    fn records_take_the_lent_reading_while_it_lives_and_the_one_lent_before_after() {
        use super::Lent;
        let outer = Lent::now();
        std::thread::sleep(Duration::from_millis(2));
        assert_eq!(Tick::lent_or_now(), outer.tick());
        {
            let inner = Lent::now();
            assert!(inner.tick() > outer.tick());
            assert_eq!(Tick::lent_or_now(), inner.tick());
        }
        assert_eq!(
            Tick::lent_or_now(),
            outer.tick(),
            "the outer reading lent again"
        );
        drop(outer);
        let fresh = Tick::lent_or_now();
        std::thread::sleep(Duration::from_millis(2));
        assert!(
            Tick::lent_or_now() > fresh,
            "nothing lent: each record reads the clock"
        );
    }
}
