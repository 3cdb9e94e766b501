//! The W3C `traceparent` header: `00-<trace id>-<parent id>-<flags>`.

use std::fmt;
use std::str::FromStr;

use super::ids::{SpanId, TraceId};
use super::tracestate::TraceState;

/// A span's identity in its trace, as the `traceparent` and `tracestate` headers carry it.
/// Parsing takes a `traceparent`; [`with_trace_state`](SpanContext::with_trace_state) adds the
/// `tracestate`.
///
/// ```
/// use tripod::trace::SpanContext;
///
/// let parent: SpanContext = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01".parse().unwrap();
/// assert_eq!(parent.trace_id.to_string(), "4bf92f3577b34da6a3ce929d0e0e4736");
/// assert!(parent.sampled);
/// assert_eq!(parent.to_string(), "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
/// assert!("00-00000000000000000000000000000000-00f067aa0ba902b7-01".parse::<SpanContext>().is_err());
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SpanContext {
    /// The trace this span belongs to.
    pub trace_id: TraceId,
    /// The span itself.
    pub span_id: SpanId,
    /// Whether the trace is recorded (exported).
    pub sampled: bool,
    /// The vendors' entries that travel with the trace.
    pub trace_state: TraceState,
}

impl SpanContext {
    /// The same context with `trace_state`.
    pub fn with_trace_state(mut self, trace_state: TraceState) -> SpanContext {
        self.trace_state = trace_state;
        self
    }
}

/// Why a `traceparent` header was rejected (the request then starts a new trace).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TraceparentError {
    /// Not four `-`-separated parts of 2, 32, 16 and 2 hex digits.
    #[error("a traceparent is `00-<32 hex digits>-<16 hex digits>-<2 hex digits>`")]
    Malformed,
    /// Version `ff` is invalid by the specification.
    #[error("traceparent version ff is invalid")]
    InvalidVersion,
    /// An all-zero trace or span id.
    #[error("traceparent ids must not be all zeros")]
    ZeroId,
}

impl FromStr for SpanContext {
    type Err = TraceparentError;

    fn from_str(header: &str) -> Result<Self, Self::Err> {
        let mut parts = header.trim().split('-');
        let (Some(version), Some(trace), Some(span), Some(flags)) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(TraceparentError::Malformed);
        };
        let hex = |part: &str, len: usize| {
            (part.len() == len
                && part
                    .bytes()
                    .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)))
            .then(|| u128::from_str_radix(part, 16).ok())
            .flatten()
            .ok_or(TraceparentError::Malformed)
        };
        let version = hex(version, 2)?;
        if version == 0xff {
            return Err(TraceparentError::InvalidVersion);
        }
        // Version 00 has exactly four parts; later versions may append more.
        if version == 0 && parts.next().is_some() {
            return Err(TraceparentError::Malformed);
        }
        let trace_id = hex(trace, 32)?;
        let span_id = hex(span, 16)? as u64;
        let flags = hex(flags, 2)?;
        if trace_id == 0 || span_id == 0 {
            return Err(TraceparentError::ZeroId);
        }
        Ok(SpanContext {
            trace_id: TraceId(trace_id),
            span_id: SpanId(span_id),
            sampled: flags & 1 == 1,
            trace_state: TraceState::default(),
        })
    }
}

impl SpanContext {
    /// The `traceparent` header's value, written in one allocation of its 55 bytes (through
    /// `Display` it took two growths of the `String` and the formatting machinery, on every
    /// response and outgoing request).
    pub(crate) fn traceparent(&self) -> String {
        let mut header = Vec::with_capacity(55);
        header.extend_from_slice(b"00-");
        self.trace_id.write_hex(&mut header);
        header.push(b'-');
        self.span_id.write_hex(&mut header);
        header.extend_from_slice(if self.sampled { b"-01" } else { b"-00" });
        String::from_utf8(header).unwrap_or_default()
    }
}

/// The `traceparent` header value (the trace state is its own header).
impl fmt::Display for SpanContext {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.traceparent())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn malformed_headers_are_rejected() {
        for bad in [
            "",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7",
            "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",
            "00-4bf92f3577b34da6a3ce929d0e0e473-00f067aa0ba902b7-01",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra",
            "zz-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
        ] {
            assert_eq!(
                bad.parse::<SpanContext>(),
                Err(TraceparentError::Malformed),
                "{bad:?}"
            );
        }
        assert_eq!(
            "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01".parse::<SpanContext>(),
            Err(TraceparentError::InvalidVersion)
        );
        assert_eq!(
            "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01".parse::<SpanContext>(),
            Err(TraceparentError::ZeroId)
        );
    }

    #[test]
    fn unsampled_flags_are_kept() {
        let parent: SpanContext = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00"
            .parse()
            .unwrap();
        assert!(!parent.sampled);
        assert!(parent.to_string().ends_with("-00"));
    }

    #[test]
    fn the_header_value_is_what_display_writes_and_parses_back() {
        for header in [
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
            "00-0000000000000000000000000000000a-000000000000000b-00",
        ] {
            let parent: SpanContext = header.parse().unwrap();
            assert_eq!(parent.traceparent(), header);
            assert_eq!(parent.traceparent(), parent.to_string());
        }
    }
}
