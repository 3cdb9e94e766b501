//! Repeated lines summarised: past a rate per event callsite (100 lines a second by default), a
//! callsite's further lines of that second are neither written nor sent as log records; once the
//! second is over, one WARN line `tripod.log.suppressed` says which event was held back
//! (`suppressed_event`) and how many times (`suppressed`), so the lines written and the counts
//! suppressed add up to every line asked for. A storm of failures stays one line a second per
//! callsite, not a flood. Metrics and spans are never limited.

use std::collections::HashMap;

/// The summary's event.
pub(crate) const SUPPRESSED: &str = "tripod.log.suppressed";

/// Lines a second per callsite written before the rest are held back, unless set otherwise.
pub(crate) const DEFAULT_PER_SECOND: u32 = 100;

/// Lines of one callsite held back in one second: the event of the first, and how many.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Suppressed {
    pub(crate) event: String,
    pub(crate) count: u64,
}

/// A callsite's count in its current second.
struct Callsite {
    second: u64,
    lines: u32,
    suppressed: u64,
    /// The event of the first line held back this second.
    event: String,
}

/// The per-callsite counts, and the summaries due.
pub(crate) struct RepeatedLines {
    /// Lines a second per callsite; `None`: no limit.
    per_second: Option<u32>,
    callsites: HashMap<usize, Callsite>,
    /// Callsites with lines held back in their current second, to summarise once it is over.
    holding: Vec<usize>,
}

impl RepeatedLines {
    /// At most `per_second` lines a second per callsite (`None`: every line).
    pub(crate) fn new(per_second: Option<u32>) -> RepeatedLines {
        RepeatedLines {
            per_second,
            callsites: HashMap::new(),
            holding: Vec::new(),
        }
    }

    /// Whether a line of `callsite` with event `event`, made in second `second` (since the Unix
    /// epoch), is written; when it is not, it is counted for the summary. A callsite whose
    /// earlier second held lines back has that second summarised in `due` first.
    pub(crate) fn admit(
        &mut self,
        callsite: usize,
        second: u64,
        event: &str,
        due: &mut Vec<Suppressed>,
    ) -> bool {
        let Some(limit) = self.per_second else {
            return true;
        };
        let counts = self.callsites.entry(callsite).or_insert(Callsite {
            second,
            lines: 0,
            suppressed: 0,
            event: String::new(),
        });
        if counts.second != second {
            if counts.suppressed > 0 {
                due.push(summary(counts));
                self.holding.retain(|held| *held != callsite);
            }
            counts.second = second;
            counts.lines = 0;
            counts.suppressed = 0;
        }
        if counts.lines < limit {
            counts.lines += 1;
            return true;
        }
        if counts.suppressed == 0 {
            counts.event.clear();
            counts.event.push_str(event);
            self.holding.push(callsite);
        }
        counts.suppressed += 1;
        false
    }

    /// The summaries of the seconds before `second` (all of them, at the end, with `None`) that
    /// held lines back.
    pub(crate) fn due(&mut self, second: Option<u64>, due: &mut Vec<Suppressed>) {
        let callsites = &mut self.callsites;
        self.holding.retain(|callsite| {
            let Some(counts) = callsites.get_mut(callsite) else {
                return false;
            };
            if second.is_some_and(|second| counts.second >= second) {
                return true;
            }
            due.push(summary(counts));
            counts.suppressed = 0;
            false
        });
        // Past 1,024 callsites, those with nothing in this second are forgotten (a new count
        // starts at their next line anyway), so the map stays the size of what is busy.
        if let Some(second) = second
            && self.callsites.len() > 1024
        {
            self.callsites
                .retain(|_, counts| counts.second >= second || counts.suppressed > 0);
        }
    }
}

/// What `counts`' callsite held back.
fn summary(counts: &Callsite) -> Suppressed {
    Suppressed {
        event: counts.event.clone(),
        count: counts.suppressed,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn written(repeated: &mut RepeatedLines, callsite: usize, second: u64, n: u32) -> u32 {
        let mut due = Vec::new();
        (0..n)
            .filter(|_| repeated.admit(callsite, second, "db.query.failure", &mut due))
            .count() as u32
    }

    fn counts(due: &[Suppressed]) -> Vec<(String, u64)> {
        due.iter()
            .map(|held| (held.event.clone(), held.count))
            .collect()
    }

    #[test]
    fn past_the_rate_a_callsites_lines_are_held_back_and_summarised_once_the_second_is_over() {
        let mut repeated = RepeatedLines::new(Some(100));
        assert_eq!(written(&mut repeated, 1, 10, 250), 100);
        assert_eq!(
            written(&mut repeated, 2, 10, 30),
            30,
            "another callsite has its own"
        );
        let mut due = Vec::new();
        repeated.due(Some(10), &mut due);
        assert!(due.is_empty(), "not before the second is over");
        repeated.due(Some(11), &mut due);
        assert_eq!(counts(&due), [("db.query.failure".to_owned(), 150)]);
        due.clear();
        repeated.due(Some(12), &mut due);
        assert!(due.is_empty(), "each second once");
    }

    #[test]
    fn a_new_second_starts_a_new_count_and_summarises_the_last() {
        let mut repeated = RepeatedLines::new(Some(2));
        let mut due = Vec::new();
        let admitted: Vec<bool> = [10, 10, 10, 10, 11, 11, 11]
            .into_iter()
            .map(|second| repeated.admit(7, second, "tick", &mut due))
            .collect();
        assert_eq!(admitted, [true, true, false, false, true, true, false]);
        assert_eq!(counts(&due), [("tick".to_owned(), 2)]);
        due.clear();
        repeated.due(None, &mut due);
        assert_eq!(
            counts(&due),
            [("tick".to_owned(), 1)],
            "the rest at the end"
        );
    }

    #[test]
    fn without_a_limit_every_line_is_written() {
        let mut repeated = RepeatedLines::new(None);
        assert_eq!(written(&mut repeated, 1, 10, 10_000), 10_000);
    }
}
