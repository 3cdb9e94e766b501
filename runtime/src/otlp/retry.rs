//! OTLP's retry rules: which failed exports are sent again and when. The specification calls
//! HTTP 429, 502, 503 and 504 retryable, and the gRPC codes `CANCELLED`, `DEADLINE_EXCEEDED`,
//! `ABORTED`, `OUT_OF_RANGE`, `UNAVAILABLE` and `DATA_LOSS` (`RESOURCE_EXHAUSTED` only when the
//! endpoint says when to come back, in a `RetryInfo`); an endpoint that cannot be reached, or
//! does not answer, is tried again too. The endpoint's own delay (`Retry-After`, `RetryInfo`)
//! is honoured; otherwise an exponential backoff with jitter decides.

use std::time::{Duration, SystemTime};

/// Whether, and when, a failed export is sent again.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Retry {
    /// Never: the endpoint refused the request for good (400, 401, 403, 404, …;
    /// `INVALID_ARGUMENT`, …), or the configuration is wrong (a TLS failure).
    Never,
    /// After the endpoint's delay, or the backoff's when it named none.
    After(Option<Duration>),
}

/// Whether an HTTP status is worth retrying: 429 Too Many Requests, 502, 503, 504.
pub(crate) fn http_status_is_retryable(status: u16) -> bool {
    matches!(status, 429 | 502 | 503 | 504)
}

/// Whether a gRPC status code is worth retrying; `RESOURCE_EXHAUSTED` (8) only `with_delay`
/// (the endpoint sent a `RetryInfo`: it can take the data later).
pub(crate) fn grpc_code_is_retryable(code: u32, with_delay: bool) -> bool {
    match code {
        1 | 4 | 10 | 11 | 14 | 15 => true,
        8 => with_delay,
        _ => false,
    }
}

/// The delay a `Retry-After` header asks for: seconds, or an HTTP date (a date already past is
/// no delay). `None` for anything else.
pub(crate) fn retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let date = httpdate::parse_http_date(value).ok()?;
    Some(date.duration_since(now).unwrap_or_default())
}

/// `google.rpc.Status`, as `grpc-status-details-bin` carries it.
#[derive(Clone, PartialEq, prost::Message)]
struct RpcStatus {
    #[prost(message, repeated, tag = "3")]
    details: Vec<Any>,
}

/// `google.protobuf.Any`.
#[derive(Clone, PartialEq, prost::Message)]
struct Any {
    #[prost(string, tag = "1")]
    type_url: String,
    #[prost(bytes = "vec", tag = "2")]
    value: Vec<u8>,
}

/// `google.rpc.RetryInfo`.
#[derive(Clone, PartialEq, prost::Message)]
struct RetryInfo {
    #[prost(message, optional, tag = "1")]
    retry_delay: Option<ProtoDuration>,
}

/// `google.protobuf.Duration`.
#[derive(Clone, PartialEq, prost::Message)]
struct ProtoDuration {
    #[prost(int64, tag = "1")]
    seconds: i64,
    #[prost(int32, tag = "2")]
    nanos: i32,
}

const RETRY_INFO: &str = "type.googleapis.com/google.rpc.RetryInfo";

/// The delay a gRPC answer's `grpc-status-details-bin` trailer asks for in its `RetryInfo`:
/// the trailer is a base64 `google.rpc.Status` (gRPC sends it unpadded; padded is read too)
/// whose details may hold one. `None` when it holds none, or is no such message.
pub(crate) fn retry_info(value: &[u8]) -> Option<Duration> {
    use base64::Engine as _;
    use prost::Message as _;
    let engine = base64::engine::GeneralPurpose::new(
        &base64::alphabet::STANDARD,
        base64::engine::GeneralPurposeConfig::new()
            .with_decode_padding_mode(base64::engine::DecodePaddingMode::Indifferent),
    );
    let status = RpcStatus::decode(engine.decode(value.trim_ascii()).ok()?.as_slice()).ok()?;
    let detail = status
        .details
        .iter()
        .find(|detail| detail.type_url == RETRY_INFO)?;
    let delay = RetryInfo::decode(detail.value.as_slice())
        .ok()?
        .retry_delay?;
    let seconds = u64::try_from(delay.seconds).ok()?;
    let nanos = u32::try_from(delay.nanos).ok()?.min(999_999_999);
    Some(Duration::new(seconds, nanos))
}

/// How long the export thread waits before the next attempt when the endpoint named no delay:
/// from one second, doubling up to 30, each wait drawn between half and one and a half times
/// that (jitter: exporters that failed together do not come back together). A success resets it.
#[derive(Default)]
pub(crate) struct Backoff {
    base: Option<Duration>,
}

impl Backoff {
    const FIRST: Duration = Duration::from_secs(1);
    const LONGEST: Duration = Duration::from_secs(30);

    /// The next wait, and the one after grows.
    pub(crate) fn next(&mut self) -> Duration {
        let base = self
            .base
            .map_or(Self::FIRST, |base| (base * 2).min(Self::LONGEST));
        self.base = Some(base);
        let fraction = (crate::trace::SpanId::random().0 >> 11) as f64 / (1u64 << 53) as f64;
        base.mul_f64(0.5 + fraction)
    }

    /// An export worked: the next failure waits the first delay again.
    pub(crate) fn reset(&mut self) {
        self.base = None;
    }
}

#[cfg(test)]
mod tests {
    use prost::Message as _;

    use super::*;

    #[test]
    fn the_specifications_retryable_answers_are_retried_and_the_others_are_not() {
        let retried: Vec<u16> = (400..600)
            .filter(|&status| http_status_is_retryable(status))
            .collect();
        assert_eq!(retried, [429, 502, 503, 504]);
        let codes: Vec<u32> = (0..17)
            .filter(|&code| grpc_code_is_retryable(code, false))
            .collect();
        assert_eq!(codes, [1, 4, 10, 11, 14, 15]);
        assert!(
            grpc_code_is_retryable(8, true),
            "RESOURCE_EXHAUSTED with RetryInfo"
        );
        assert!(!grpc_code_is_retryable(3, true), "INVALID_ARGUMENT never");
    }

    #[test]
    fn retry_after_is_read_as_seconds_or_as_an_http_date() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_445_412_480);
        assert_eq!(retry_after("2", now), Some(Duration::from_secs(2)));
        assert_eq!(
            retry_after("Wed, 21 Oct 2015 07:28:10 GMT", now),
            Some(Duration::from_secs(10))
        );
        assert_eq!(
            retry_after("Wed, 21 Oct 2015 07:27:00 GMT", now),
            Some(Duration::ZERO),
            "a date past"
        );
        assert_eq!(retry_after("soon", now), None);
        assert_eq!(retry_after("-1", now), None);
    }

    fn status_details(details: Vec<Any>) -> Vec<u8> {
        use base64::Engine as _;
        let status = RpcStatus { details }.encode_to_vec();
        base64::engine::general_purpose::STANDARD_NO_PAD
            .encode(status)
            .into_bytes()
    }

    #[test]
    fn a_grpc_retry_info_is_read_from_the_status_details_padded_or_not() {
        let retry_info_detail = Any {
            type_url: RETRY_INFO.into(),
            value: RetryInfo {
                retry_delay: Some(ProtoDuration {
                    seconds: 1,
                    nanos: 500_000_000,
                }),
            }
            .encode_to_vec(),
        };
        let other = Any {
            type_url: "type.googleapis.com/google.rpc.DebugInfo".into(),
            value: vec![10, 1, b'x'],
        };
        let unpadded = status_details(vec![other.clone(), retry_info_detail]);
        assert_eq!(retry_info(&unpadded), Some(Duration::from_millis(1500)));
        let mut padded = unpadded.clone();
        while !padded.len().is_multiple_of(4) {
            padded.push(b'=');
        }
        assert_eq!(retry_info(&padded), Some(Duration::from_millis(1500)));
        assert_eq!(retry_info(&status_details(vec![other])), None);
        assert_eq!(retry_info(b"not base64!"), None);
    }

    #[test]
    fn the_backoff_doubles_from_one_second_to_thirty_with_jitter_and_a_success_resets_it() {
        let mut backoff = Backoff::default();
        let bases = [1, 2, 4, 8, 16, 30, 30];
        for base in bases {
            let wait = backoff.next().as_secs_f64();
            let base = f64::from(base);
            assert!(
                (base * 0.5..base * 1.5).contains(&wait),
                "{wait} s around {base} s"
            );
        }
        backoff.reset();
        assert!(backoff.next() < Duration::from_millis(1500));
        let waits: Vec<Duration> = (0..8)
            .map(|_| {
                let mut fresh = Backoff::default();
                fresh.next()
            })
            .collect();
        assert!(
            waits.iter().any(|wait| *wait != waits[0]),
            "jittered: {waits:?}"
        );
    }
}
