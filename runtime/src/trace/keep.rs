//! Which local traces the head sampler did not sample are exported anyway: the tail rules of
//! `TRIPOD_TRACES_KEEP`.

use std::time::Duration;

/// Tail rules: a local trace (the spans of one trace made in this process) the head sampler did
/// not sample is still exported, whole, when any of its spans failed at ERROR (`errors`) or its
/// local root lasted longer than a threshold (`slower_than`). The decision is made when the local
/// root ends; at most [`at_most_per_second`](TracesKeep::at_most_per_second) traces a second
/// per operation (its local root's name) are kept by each rule, so a storm of failures stays
/// bounded. Spelt as `TRIPOD_TRACES_KEEP` spells them: `errors`, `slower_than=250ms`, both
/// (`errors,slower_than=250ms`) or `none`; the default is `errors`.
///
/// ```
/// use std::time::Duration;
/// use tripod::trace::TracesKeep;
///
/// let keep: TracesKeep = "errors,slower_than=250ms".parse().unwrap();
/// assert_eq!(keep, TracesKeep::errors().slower_than(Duration::from_millis(250)));
/// assert_eq!("none".parse::<TracesKeep>().unwrap(), TracesKeep::none());
/// assert!("sometimes".parse::<TracesKeep>().is_err());
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TracesKeep {
    pub(crate) errors: bool,
    pub(crate) slower_than: Option<Duration>,
    pub(crate) per_second: u32,
}

/// Traces a second per operation a rule keeps, unless set otherwise.
const DEFAULT_PER_SECOND: u32 = 100;

impl Default for TracesKeep {
    /// `errors`.
    fn default() -> Self {
        TracesKeep::errors()
    }
}

impl TracesKeep {
    /// No rule: only what the head sampler sampled is exported.
    pub fn none() -> TracesKeep {
        TracesKeep {
            errors: false,
            slower_than: None,
            per_second: DEFAULT_PER_SECOND,
        }
    }

    /// Every local trace with a span that failed at ERROR (the default).
    pub fn errors() -> TracesKeep {
        TracesKeep {
            errors: true,
            ..TracesKeep::none()
        }
    }

    /// Also every local trace whose local root lasted longer than `threshold`.
    pub fn slower_than(self, threshold: Duration) -> TracesKeep {
        TracesKeep {
            slower_than: Some(threshold),
            ..self
        }
    }

    /// At most `traces` local traces a second per operation kept by each rule (the rest counted
    /// in `tripod_sampling_dropped_traces_total{reason="rate"}`); 100 unless set.
    pub fn at_most_per_second(self, traces: u32) -> TracesKeep {
        TracesKeep {
            per_second: traces,
            ..self
        }
    }

    /// Whether any rule is on.
    pub(crate) fn any(&self) -> bool {
        self.errors || self.slower_than.is_some()
    }
}

/// Which spans the application's threads capture for the sinks: none when no sink takes spans;
/// the sampled ones; and, with a tail rule on, the others too (the collector thread holds them
/// until their local root decides).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Capturing {
    pub(crate) on: bool,
    pub(crate) unsampled: bool,
}

impl Capturing {
    /// Whether a span sampled or not (`sampled`) is captured.
    #[inline]
    pub(crate) fn captures(self, sampled: bool) -> bool {
        self.on && (sampled || self.unsampled)
    }
}

/// `TRIPOD_TRACES_KEEP` named no rule tripod knows.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown trace rule {0:?}: expected a comma list of `errors` and `slower_than=<duration>` \
     (250ms, 2s), or `none`"
)]
pub struct TracesKeepParseError(String);

impl std::str::FromStr for TracesKeep {
    type Err = TracesKeepParseError;

    fn from_str(list: &str) -> Result<TracesKeep, TracesKeepParseError> {
        let mut keep = TracesKeep::none();
        let rules: Vec<&str> = list
            .split(',')
            .map(str::trim)
            .filter(|rule| !rule.is_empty())
            .collect();
        if rules == ["none"] {
            return Ok(keep);
        }
        for rule in rules {
            match rule.split_once('=') {
                None if rule == "errors" => keep.errors = true,
                Some(("slower_than", threshold)) => {
                    keep.slower_than = Some(
                        duration(threshold.trim())
                            .ok_or_else(|| TracesKeepParseError(rule.to_owned()))?,
                    );
                }
                _ => return Err(TracesKeepParseError(rule.to_owned())),
            }
        }
        Ok(keep)
    }
}

/// `250ms`, `2s`, `1m`: a whole number and a unit, above zero.
fn duration(text: &str) -> Option<Duration> {
    let digits = text.chars().take_while(char::is_ascii_digit).count();
    let (number, unit) = text.split_at(digits);
    let number: u64 = number.parse().ok().filter(|number| *number > 0)?;
    match unit.trim() {
        "ms" => Some(Duration::from_millis(number)),
        "s" => Some(Duration::from_secs(number)),
        "m" => Some(Duration::from_secs(number.checked_mul(60)?)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_parse_in_any_order_and_none_turns_them_off() {
        let both = TracesKeep::errors().slower_than(Duration::from_secs(2));
        assert_eq!("slower_than=2s, errors".parse(), Ok(both));
        assert_eq!(
            "slower_than=250ms".parse(),
            Ok(TracesKeep::none().slower_than(Duration::from_millis(250)))
        );
        assert!(!"none".parse::<TracesKeep>().unwrap().any());
        assert!(TracesKeep::default().errors);
    }

    #[test]
    fn unknown_rules_and_bad_durations_are_errors() {
        for bad in [
            "sometimes",
            "slower_than=fast",
            "slower_than=0ms",
            "errors,none",
            "slower_than",
        ] {
            assert!(bad.parse::<TracesKeep>().is_err(), "{bad}");
        }
    }
}
