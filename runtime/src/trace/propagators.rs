//! Which context travels (`OTEL_PROPAGATORS`): W3C trace context, W3C baggage, both (the
//! default) or neither. Read by [`extract`](super::extract), [`inject`](super::inject), the
//! baggage functions and the layers built on them.

use std::sync::atomic::{AtomicU8, Ordering};

const TRACECONTEXT: u8 = 1;
const BAGGAGE: u8 = 2;

static ON: AtomicU8 = AtomicU8::new(TRACECONTEXT | BAGGAGE);

/// Which propagators are on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Propagators {
    pub(crate) tracecontext: bool,
    pub(crate) baggage: bool,
}

impl Default for Propagators {
    fn default() -> Self {
        Propagators {
            tracecontext: true,
            baggage: true,
        }
    }
}

impl Propagators {
    /// An `OTEL_PROPAGATORS` list (`tracecontext,baggage`, `none`); each name not understood is
    /// a warning and skipped (a list of nothing understood gives the default).
    pub(crate) fn parse(list: &str) -> (Propagators, Vec<String>) {
        let mut on = Propagators {
            tracecontext: false,
            baggage: false,
        };
        let mut warnings = Vec::new();
        let mut understood = false;
        for name in list
            .split(',')
            .map(str::trim)
            .filter(|name| !name.is_empty())
        {
            match name.to_ascii_lowercase().as_str() {
                "tracecontext" => on.tracecontext = true,
                "baggage" => on.baggage = true,
                "none" => {}
                other => {
                    warnings.push(format!(
                        "OTEL_PROPAGATORS: {other:?} is not a propagator tripod has (it has: \
                         tracecontext, baggage, none); skipping it"
                    ));
                    continue;
                }
            }
            understood = true;
        }
        if !understood {
            // Nothing usable: the default, not silence.
            return (Propagators::default(), warnings);
        }
        (on, warnings)
    }

    /// Makes these the process's propagators.
    pub(crate) fn install(self) {
        let bits = u8::from(self.tracecontext) * TRACECONTEXT + u8::from(self.baggage) * BAGGAGE;
        ON.store(bits, Ordering::Relaxed);
    }
}

/// Whether W3C trace context is extracted and injected.
pub(crate) fn tracecontext() -> bool {
    ON.load(Ordering::Relaxed) & TRACECONTEXT != 0
}

/// Whether W3C baggage is.
pub(crate) fn baggage() -> bool {
    ON.load(Ordering::Relaxed) & BAGGAGE != 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_list_turns_on_what_it_names_and_warns_of_the_rest() {
        let (on, warnings) = Propagators::parse("tracecontext, b3 ,baggage");
        assert_eq!(on, Propagators::default());
        assert_eq!(warnings.len(), 1);
        assert!(warnings[0].contains("\"b3\""));
        let (on, warnings) = Propagators::parse("none");
        assert!(!on.tracecontext && !on.baggage && warnings.is_empty());
        let (on, warnings) = Propagators::parse("bogus");
        assert_eq!(on, Propagators::default(), "nothing usable: the default");
        assert_eq!(warnings.len(), 1);
    }
}
