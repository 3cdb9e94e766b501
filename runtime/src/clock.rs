//! Wall-clock time from the TSC: `SystemTime` at calibration plus the `quanta` clock's progress
//! since. Reading it costs a few nanoseconds instead of a `clock_gettime` call (~25 ns on a VM);
//! it can drift from the system clock by a few ppm, and does not follow clock adjustments made
//! after the first call (an NTP step moves log timestamps and span times only at restart).

use std::sync::OnceLock;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

struct Anchor {
    system: Duration,
    instant: quanta::Instant,
}

fn anchor() -> &'static Anchor {
    static ANCHOR: OnceLock<Anchor> = OnceLock::new();
    ANCHOR.get_or_init(|| Anchor {
        instant: quanta::Instant::now(),
        system: SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default(),
    })
}

/// The time since the Unix epoch.
pub(crate) fn since_epoch() -> Duration {
    let anchor = anchor();
    anchor.system + quanta::Instant::now().duration_since(anchor.instant)
}

/// The current time as a `SystemTime`.
#[cfg_attr(not(feature = "otlp"), allow(dead_code))]
pub(crate) fn now() -> SystemTime {
    UNIX_EPOCH + since_epoch()
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_fast_clock_reads_the_system_time() {
        let fast = super::now();
        let system = std::time::SystemTime::now();
        let apart = system.duration_since(fast).unwrap_or_else(|e| e.duration());
        assert!(apart < std::time::Duration::from_secs(1), "{apart:?}");
    }
}
