//! Wall-clock time from the TSC: the application's threads read only the `quanta` clock, and the
//! collector thread turns those readings into wall-clock time from an anchor to the system clock
//! taken again once a second, so timestamps follow NTP adjustments (a step moves them within a
//! second) and never drift from other services' by more than the TSC's few ppm over that second.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// How long a thread's anchor is used before the system clock is read again.
const REANCHOR_EVERY: Duration = Duration::from_secs(1);

#[derive(Clone, Copy)]
struct Anchor {
    system: Duration,
    instant: quanta::Instant,
}

/// The time at `now` from `anchor`, anchoring it again to `system()` when it is missing or older
/// than [`REANCHOR_EVERY`].
fn read(
    anchor: &mut Option<Anchor>,
    now: quanta::Instant,
    system: impl FnOnce() -> Duration,
) -> Duration {
    match *anchor {
        Some(held) if now.duration_since(held.instant) < REANCHOR_EVERY => {
            held.system + now.duration_since(held.instant)
        }
        _ => {
            let fresh = Anchor {
                system: system(),
                instant: now,
            };
            *anchor = Some(fresh);
            fresh.system
        }
    }
}

fn system_time() -> Duration {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
}

/// Turns `quanta` instants taken on the application's threads into wall-clock time, on the thread
/// that formats them: an anchor to the system clock, taken again once a second
/// ([`refresh`](WallClock::refresh)), so the caller reads only the TSC.
#[derive(Default)]
pub(crate) struct WallClock {
    anchor: Option<Anchor>,
}

impl WallClock {
    /// Anchors again when the anchor is missing or older than [`REANCHOR_EVERY`].
    pub(crate) fn refresh(&mut self) {
        read(&mut self.anchor, quanta::Instant::now(), system_time);
    }

    /// The time since the Unix epoch at `instant` (before or after the anchor).
    pub(crate) fn at(&self, instant: quanta::Instant) -> Duration {
        let Some(anchor) = self.anchor else {
            return system_time();
        };
        if instant >= anchor.instant {
            anchor.system + instant.duration_since(anchor.instant)
        } else {
            anchor
                .system
                .saturating_sub(anchor.instant.duration_since(instant))
        }
    }
}

/// `since_epoch` as a `SystemTime`.
pub(crate) fn system_time_of(since_epoch: Duration) -> SystemTime {
    UNIX_EPOCH + since_epoch
}

/// The current time as a `SystemTime`, for tests that make span records by hand.
#[cfg(test)]
pub(crate) fn now() -> SystemTime {
    SystemTime::now()
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    /// What the TSC and the system clock may drift apart by between two anchorings (a second
    /// at most): NTP slews by at most 500 ppm, so this is ten times more than it can be. The
    /// checks below bracket a reading between two system-clock reads, so a slow or preempted
    /// test only widens the bracket: none of them depends on how fast the machine is.
    const DRIFT: Duration = Duration::from_millis(5);

    #[test]
    fn instants_taken_before_and_after_the_anchor_read_as_wall_time() {
        let system_before = super::system_time();
        let before = quanta::Instant::now();
        std::thread::sleep(Duration::from_millis(20));
        let mut clock = super::WallClock::default();
        clock.refresh();
        std::thread::sleep(Duration::from_millis(20));
        let after = quanta::Instant::now();
        let system_after = super::system_time();
        let measured = after - before;
        let (before, after) = (clock.at(before), clock.at(after));
        // Instants on either side of the anchor are read on one time line: their wall times
        // are as far apart as the instants themselves.
        assert!(
            (after - before).abs_diff(measured) <= Duration::from_micros(1),
            "{:?} apart, {measured:?} measured",
            after - before
        );
        assert!(
            before + DRIFT >= system_before && after <= system_after + DRIFT,
            "{before:?}..{after:?} outside the system's {system_before:?}..{system_after:?}"
        );
    }

    #[test]
    fn within_a_second_the_tsc_advances_the_anchor_then_the_system_clock_is_read_again() {
        let start = quanta::Instant::now();
        let mut anchor = None;
        let secs = Duration::from_secs;
        assert_eq!(super::read(&mut anchor, start, || secs(100)), secs(100));
        let half = start + Duration::from_millis(500);
        assert_eq!(
            super::read(&mut anchor, half, || unreachable!(
                "no system read within a second"
            )),
            secs(100) + Duration::from_millis(500)
        );
        // An NTP step back by 50 s is followed at the next anchoring.
        let later = start + Duration::from_millis(1200);
        assert_eq!(super::read(&mut anchor, later, || secs(50)), secs(50));
    }
}
