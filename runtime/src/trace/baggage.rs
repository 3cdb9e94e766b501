//! W3C Baggage: the `key=value` entries an application puts on a request (`tenant.id=acme`) that
//! travel with it to every service it touches. tripod's server layer
//! [extracts](super::extract_baggage) them, the request's future carries them ([`with_baggage`],
//! [`Baggage::scope`]) to [`inject`](super::inject), the client layer and the OpenTelemetry bridge;
//! entries named in `TRIPOD_BAGGAGE_FIELDS` are recorded on the server span, and so on every line
//! of the request. Nothing else from baggage is ever recorded: it can carry secrets.

use std::cell::RefCell;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, RwLock};
use std::task::{Context, Poll};

/// The W3C limits: bytes of the header, and members.
pub(crate) const MAX_BYTES: usize = 8192;
pub(crate) const MAX_MEMBERS: usize = 64;
/// The server span's field holding the entries recorded (`TRIPOD_BAGGAGE_FIELDS`), which the
/// collector thread writes as fields of their own.
pub(crate) const RECORDED_FIELD: &str = "baggage";

/// One entry: its key, its value (percent-decoded) and its properties, as received.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Member {
    key: String,
    value: String,
    properties: String,
}

/// The baggage of a request (`baggage: tenant.id=acme,region=eu`). Cloning is a reference count.
///
/// ```
/// use tripod::trace::Baggage;
///
/// let baggage: Baggage = "tenant.id=acme, user=Ada%20L;sensitive".parse().unwrap();
/// assert_eq!(baggage.get("tenant.id"), Some("acme"));
/// assert_eq!(baggage.get("user"), Some("Ada L"));
/// assert_eq!(baggage.header(), "tenant.id=acme,user=Ada%20L;sensitive");
/// assert!("no equals sign".parse::<Baggage>().is_err());
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Baggage(Option<Arc<[Member]>>);

/// Why a `baggage` header was not taken.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum BaggageError {
    /// A member is not `key=value` (with optional `;properties`).
    #[error("baggage member {0:?} is not `key=value`")]
    InvalidMember(String),
}

impl Baggage {
    /// The value of `key`, if present.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.members()
            .iter()
            .find(|member| member.key == key)
            .map(|member| member.value.as_str())
    }

    /// Whether it has no entries.
    pub fn is_empty(&self) -> bool {
        self.members().is_empty()
    }

    /// Each entry's key and value.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.members()
            .iter()
            .map(|member| (member.key.as_str(), member.value.as_str()))
    }

    /// The header value (`key=value` joined by `,`, values percent-encoded).
    pub fn header(&self) -> String {
        let mut header = String::new();
        for member in self.members() {
            if !header.is_empty() {
                header.push(',');
            }
            header.push_str(&member.key);
            header.push('=');
            header.extend(percent_encoding::utf8_percent_encode(&member.value, VALUE));
            header.push_str(&member.properties);
        }
        header
    }

    fn members(&self) -> &[Member] {
        self.0.as_deref().unwrap_or_default()
    }

    /// Runs `future` with this baggage current on every poll (what [`with_baggage`] does for a
    /// closure).
    pub fn scope<F: Future>(self, future: F) -> WithBaggage<F> {
        WithBaggage {
            baggage: self,
            future,
        }
    }

    /// The entries past the W3C limits dropped (the first 64 members within 8,192 bytes kept),
    /// and how many were.
    fn within_limits(members: Vec<Member>) -> (Baggage, usize) {
        let mut kept = Vec::new();
        let mut bytes = 0;
        let total = members.len();
        for member in members {
            let size = member.key.len() + 1 + member.value.len() + member.properties.len() + 1;
            if kept.len() == MAX_MEMBERS || bytes + size > MAX_BYTES {
                break;
            }
            bytes += size;
            kept.push(member);
        }
        let dropped = total - kept.len();
        (Baggage::from_members(kept), dropped)
    }

    fn from_members(members: Vec<Member>) -> Baggage {
        if members.is_empty() {
            Baggage(None)
        } else {
            Baggage(Some(members.into()))
        }
    }
}

/// What a value may hold unencoded: the specification's `baggage-octet`s.
const VALUE: &percent_encoding::AsciiSet = &percent_encoding::CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b',')
    .add(b';')
    .add(b'\\')
    .add(b'%');

/// Parses a header; the members past the limits dropped, and how many were.
pub(super) fn parse(header: &str) -> Result<(Baggage, usize), BaggageError> {
    let mut members = Vec::new();
    for member in header.split(',').map(str::trim).filter(|m| !m.is_empty()) {
        let (pair, properties) = match member.find(';') {
            Some(at) => member.split_at(at),
            None => (member, ""),
        };
        let invalid = || BaggageError::InvalidMember(member.to_owned());
        let (key, value) = pair.split_once('=').ok_or_else(invalid)?;
        let key = key.trim();
        if key.is_empty() || !key.bytes().all(is_token) {
            return Err(invalid());
        }
        let value = percent_encoding::percent_decode_str(value.trim())
            .decode_utf8()
            .map_err(|_| invalid())?;
        members.push(Member {
            key: key.to_owned(),
            value: value.into_owned(),
            properties: properties.trim().to_owned(),
        });
    }
    Ok(Baggage::within_limits(members))
}

/// A `token` character of RFC 7230, what a baggage key is made of.
fn is_token(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || b"!#$&'*+-.^_`|~%".contains(&byte)
}

impl std::str::FromStr for Baggage {
    type Err = BaggageError;

    /// A header's baggage; members past the W3C limits (64, 8,192 bytes) are dropped.
    fn from_str(header: &str) -> Result<Baggage, BaggageError> {
        parse(header).map(|(baggage, _)| baggage)
    }
}

thread_local! {
    static CURRENT: RefCell<Baggage> = RefCell::new(Baggage::default());
}

/// The baggage current on this thread: the request's being served, inside tripod's server
/// layer, or what [`with_baggage`] set.
///
/// ```
/// use tripod::trace::{Baggage, current_baggage, with_baggage};
///
/// let baggage: Baggage = "tenant.id=acme".parse().unwrap();
/// with_baggage(baggage, || assert_eq!(current_baggage().get("tenant.id"), Some("acme")));
/// assert!(current_baggage().is_empty());
/// ```
pub fn current_baggage() -> Baggage {
    CURRENT
        .try_with(|current| current.borrow().clone())
        .unwrap_or_default()
}

/// Runs `f` with `baggage` current, as the request's: [`inject`](super::inject) and the client
/// layer send it on.
pub fn with_baggage<T>(baggage: Baggage, f: impl FnOnce() -> T) -> T {
    /// Puts back what was current when `f` returns or unwinds.
    struct Restore(Option<Baggage>);
    impl Drop for Restore {
        fn drop(&mut self) {
            if let Some(before) = self.0.take() {
                let _ = CURRENT.try_with(|current| *current.borrow_mut() = before);
            }
        }
    }
    let before = CURRENT.try_with(|current| current.replace(baggage)).ok();
    let _restore = Restore(before);
    f()
}

pin_project_lite::pin_project! {
    /// A future with its baggage current on every poll ([`Baggage::scope`]).
    #[derive(Debug)]
    pub struct WithBaggage<F> {
        baggage: Baggage,
        #[pin]
        future: F,
    }
}

impl<F: Future> Future for WithBaggage<F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let this = self.project();
        with_baggage(this.baggage.clone(), || this.future.poll(cx))
    }
}

/// The entries `TRIPOD_BAGGAGE_FIELDS` names, kept for the process's life (a handful).
static RECORDED: RwLock<Vec<&'static str>> = RwLock::new(Vec::new());

/// Records the entries named `keys` on server spans from now on (`TRIPOD_BAGGAGE_FIELDS`).
pub(crate) fn record_fields(keys: &[String]) {
    let mut recorded = RECORDED
        .write()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    for key in keys {
        if !recorded.contains(&key.as_str()) {
            recorded.push(Box::leak(key.clone().into_boxed_str()));
        }
    }
}

/// Records on `span` (a server span that declares [`RECORDED_FIELD`]) the entries of `baggage`
/// that `TRIPOD_BAGGAGE_FIELDS` names, when there are any.
#[cfg_attr(not(any(feature = "axum", feature = "grpc")), allow(dead_code))]
pub(crate) fn record_baggage(span: &tracing::Span, baggage: &Baggage) {
    if let Some(recorded) = recorded(baggage) {
        span.record(RECORDED_FIELD, recorded);
    }
}

/// The entries of `baggage` to record, as the server span's [`RECORDED_FIELD`] holds them
/// (`key=value` joined by `,`, values percent-encoded); `None` when there are none.
#[cfg_attr(not(any(feature = "axum", feature = "grpc")), allow(dead_code))]
fn recorded(baggage: &Baggage) -> Option<String> {
    let recorded = RECORDED
        .read()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    let kept: Vec<Member> = baggage
        .members()
        .iter()
        .filter(|member| recorded.contains(&member.key.as_str()))
        .map(|member| Member {
            properties: String::new(),
            ..member.clone()
        })
        .collect();
    (!kept.is_empty()).then(|| Baggage::from_members(kept).header())
}

/// Each recorded entry of a [`RECORDED_FIELD`] value, under its `TRIPOD_BAGGAGE_FIELDS` name:
/// what the collector thread writes as fields (an entry not named there, never).
pub(crate) fn recorded_fields(value: &str) -> Vec<(&'static str, String)> {
    let recorded = RECORDED
        .read()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    let Ok((baggage, _)) = parse(value) else {
        return Vec::new();
    };
    baggage
        .members()
        .iter()
        .filter_map(|member| {
            let key = recorded.iter().find(|key| **key == member.key)?;
            Some((*key, member.value.clone()))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    #[test]
    fn members_past_64_or_8192_bytes_are_dropped_and_counted() {
        let many: Vec<String> = (0..70).map(|i| format!("k{i}=v")).collect();
        let (baggage, dropped) = parse(&many.join(",")).unwrap();
        assert_eq!((baggage.iter().count(), dropped), (64, 6));
        let big = format!("a={},b=1", "x".repeat(8190));
        let (baggage, dropped) = parse(&big).unwrap();
        assert_eq!(
            (baggage.iter().count(), dropped),
            (0, 2),
            "the first is over alone"
        );
        let (baggage, dropped) = parse(&format!("a={},b=1", "x".repeat(8000))).unwrap();
        assert_eq!((baggage.get("b"), dropped), (Some("1"), 0));
    }

    #[test]
    fn malformed_headers_are_refused_and_values_round_trip_encoded() {
        for bad in ["novalue", "=v", "bad key=v", "k=%ff"] {
            assert!(bad.parse::<Baggage>().is_err(), "{bad}");
        }
        let baggage: Baggage = "k=a%2Cb%3Bc;prop=1".parse().unwrap();
        assert_eq!(baggage.get("k"), Some("a,b;c"));
        assert_eq!(baggage.header(), "k=a%2Cb%3Bc;prop=1");
        let mut headers = HashMap::new();
        super::super::inject_baggage(&baggage, &mut headers);
        assert_eq!(super::super::extract_baggage(&headers), baggage);
        super::super::inject_baggage(&Baggage::default(), &mut headers);
        assert_eq!(
            super::super::extract_baggage(&headers),
            baggage,
            "no baggage of its own: the carrier's stays"
        );
    }

    #[test]
    fn only_the_named_entries_are_recorded() {
        record_fields(&["tenant.id".to_owned()]);
        let baggage: Baggage = "tenant.id=acme,session=s3cret".parse().unwrap();
        let value = recorded(&baggage).unwrap();
        assert_eq!(value, "tenant.id=acme");
        assert_eq!(recorded_fields(&value), [("tenant.id", "acme".to_owned())]);
        assert_eq!(
            recorded_fields("session=s3cret"),
            [],
            "never an entry not named"
        );
    }

    #[test]
    fn a_future_has_its_baggage_on_every_poll_and_not_after() {
        let baggage: Baggage = "tenant.id=acme".parse().unwrap();
        let mut future = std::pin::pin!(baggage.scope(async {
            std::future::ready(()).await;
            current_baggage().get("tenant.id").map(str::to_owned)
        }));
        let mut cx = Context::from_waker(std::task::Waker::noop());
        assert_eq!(
            future.as_mut().poll(&mut cx),
            Poll::Ready(Some("acme".to_owned()))
        );
        assert!(current_baggage().is_empty());
    }
}
