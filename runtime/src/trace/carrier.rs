//! W3C trace context and baggage in and out of any carrier: HTTP headers (`http::HeaderMap`, with the `http`
//! feature), a message's headers (Kafka, NATS, AMQP: a `HashMap<String, String>`), or anything
//! that implements [`Carrier`].

use std::collections::HashMap;

use std::sync::atomic::{AtomicBool, Ordering};

use super::baggage::{MAX_BYTES, MAX_MEMBERS};
use super::{Baggage, SpanContext, TraceState};

const TRACEPARENT: &str = "traceparent";
const TRACESTATE: &str = "tracestate";
const BAGGAGE: &str = "baggage";

/// Where trace context travels: the headers of a request or a message.
///
/// ```
/// use std::collections::HashMap;
/// use tripod::trace::Carrier;
///
/// // A message queue's headers, say.
/// struct Headers(Vec<(String, String)>);
///
/// impl Carrier for Headers {
///     fn get_all(&self, key: &str) -> Vec<&str> {
///         self.0.iter().filter(|(k, _)| k == key).map(|(_, v)| v.as_str()).collect()
///     }
///     fn set(&mut self, key: &str, value: String) {
///         self.0.retain(|(k, _)| k != key);
///         self.0.push((key.to_owned(), value));
///     }
///     fn remove(&mut self, key: &str) {
///         self.0.retain(|(k, _)| k != key);
///     }
/// }
///
/// let context: tripod::trace::SpanContext =
///     "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01".parse().unwrap();
/// let mut headers = Headers(Vec::new());
/// tripod::trace::inject_context(&context, &mut headers);
/// assert_eq!(tripod::trace::extract(&headers), Some(context));
/// ```
pub trait Carrier {
    /// The values of `key`, in order (a header may repeat); keys are lower-case.
    fn get_all(&self, key: &str) -> Vec<&str>;
    /// Sets `key` to `value`, replacing what it held.
    fn set(&mut self, key: &str, value: String);
    /// Removes `key`.
    fn remove(&mut self, key: &str);
}

/// A message's headers as a map: `traceparent` and `tracestate` under those keys (or in any case,
/// when not).
impl Carrier for HashMap<String, String> {
    fn get_all(&self, key: &str) -> Vec<&str> {
        match self.get(key) {
            Some(value) => vec![value.as_str()],
            None => self
                .iter()
                .filter(|(name, _)| name.eq_ignore_ascii_case(key))
                .map(|(_, value)| value.as_str())
                .collect(),
        }
    }

    fn set(&mut self, key: &str, value: String) {
        Carrier::remove(self, key);
        self.insert(key.to_owned(), value);
    }

    fn remove(&mut self, key: &str) {
        self.retain(|name, _| !name.eq_ignore_ascii_case(key));
    }
}

#[cfg(feature = "http")]
#[cfg_attr(docsrs, doc(cfg(feature = "http")))]
impl Carrier for http::HeaderMap {
    fn get_all(&self, key: &str) -> Vec<&str> {
        http::HeaderMap::get_all(self, key)
            .iter()
            .map(|value| value.to_str().unwrap_or("\u{fffd}"))
            .collect()
    }

    fn set(&mut self, key: &str, value: String) {
        if let (Ok(name), Ok(value)) = (
            http::header::HeaderName::try_from(key),
            http::header::HeaderValue::try_from(value),
        ) {
            self.insert(name, value);
        }
    }

    fn remove(&mut self, key: &str) {
        http::HeaderMap::remove(self, key);
    }
}

/// Writes the current span's trace context into `carrier` (`traceparent`, and `tracestate` when
/// the trace has one), so the service a request or message goes to continues the trace, and the
/// current [baggage](super::current_baggage) (`baggage`). Returns `false`, writing no trace
/// context, when no span is current or tripod's subscriber is not installed. `OTEL_PROPAGATORS`
/// says which of the two are written.
///
/// Works with any client that exposes an `http::HeaderMap` (reqwest's `RequestBuilder::headers`,
/// hyper, ureq's `http` requests), with a message's headers as a `HashMap<String, String>`, and
/// with any [`Carrier`]; `tripod::client::ObserveLayer` (feature `http`) does it for tower-based
/// clients and opens a client span as well.
///
/// ```
/// let mut headers = std::collections::HashMap::<String, String>::new();
/// // Without tripod's subscriber (or outside any span) nothing is written.
/// assert!(!tripod::trace::inject(&mut headers));
/// assert!(headers.is_empty());
/// ```
pub fn inject(carrier: &mut impl Carrier) -> bool {
    super::inject_baggage(&super::current_baggage(), carrier);
    match super::current().filter(|_| super::propagators::tracecontext()) {
        Some(context) => {
            inject_context(&context, carrier);
            true
        }
        None => false,
    }
}

/// Writes `span`'s context into `carrier` (the current span's when `span` is not recorded, so a
/// filtered-out client span still lets the trace continue) and the current baggage: what a
/// client layer sends with a request or call.
#[cfg_attr(not(feature = "http"), allow(dead_code))]
pub(crate) fn inject_span(span: &tracing::Span, carrier: &mut impl Carrier) {
    match super::context_of(span) {
        Some(context) => {
            inject_context(&context, carrier);
            inject_baggage(&super::current_baggage(), carrier);
        }
        None => {
            inject(carrier);
        }
    }
}

/// Writes `context` into `carrier`, replacing any trace context it had: for a context kept from
/// elsewhere (a job queued by a request, a span that is not current). Nothing, when
/// `OTEL_PROPAGATORS` leaves `tracecontext` out.
///
/// ```
/// let context: tripod::trace::SpanContext =
///     "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01".parse().unwrap();
/// let mut headers = std::collections::HashMap::<String, String>::new();
/// tripod::trace::inject_context(&context, &mut headers);
/// assert_eq!(headers["traceparent"], "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");
/// ```
pub fn inject_context(context: &SpanContext, carrier: &mut impl Carrier) {
    if !super::propagators::tracecontext() {
        return;
    }
    carrier.set(TRACEPARENT, context.traceparent());
    carrier.remove(TRACESTATE);
    if !context.trace_state.is_empty() {
        carrier.set(TRACESTATE, context.trace_state.as_str().to_owned());
    }
}

/// The caller's trace context from an incoming request's or message's headers, for
/// [`with_remote_parent`](super::with_remote_parent). `None` when there is no `traceparent`, when
/// it is malformed (wrong version or length, bad hex, all-zero ids) or when it appears twice: the
/// work then starts a new trace. A `tracestate` that breaks the specification's grammar is
/// dropped and the `traceparent` still used; several `tracestate` headers are joined. `None`, too,
/// when `OTEL_PROPAGATORS` leaves `tracecontext` out.
///
/// ```
/// let mut headers = std::collections::HashMap::new();
/// headers.insert("traceparent".to_owned(), "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01".to_owned());
/// headers.insert("tracestate".to_owned(), "congo=t61rcWkgMzE".to_owned());
/// let caller = tripod::trace::extract(&headers).unwrap();
/// assert_eq!(caller.trace_id.to_string(), "0af7651916cd43dd8448eb211c80319c");
/// assert_eq!(caller.trace_state.get("congo"), Some("t61rcWkgMzE"));
///
/// headers.insert("traceparent".to_owned(), "00-0af7651916cd43dd8448eb211c80319c-0000000000000000-01".to_owned());
/// assert!(tripod::trace::extract(&headers).is_none());
/// ```
pub fn extract(carrier: &impl Carrier) -> Option<SpanContext> {
    if !super::propagators::tracecontext() {
        return None;
    }
    let parents = carrier.get_all(TRACEPARENT);
    let [parent] = parents.as_slice() else {
        return None;
    };
    let context: SpanContext = parent.parse().ok()?;
    let states = carrier.get_all(TRACESTATE);
    if states.is_empty() {
        return Some(context);
    }
    let joined = states.join(",");
    Some(context.with_trace_state(joined.parse::<TraceState>().unwrap_or_default()))
}

/// Reports a problem with incoming baggage once per process, so a client that always sends too
/// much fills no log.
fn warn_once(flag: &AtomicBool, message: impl FnOnce() -> String) {
    if !flag.swap(true, Ordering::Relaxed) {
        tracing::warn!(target: "tripod", "{}", message());
    }
}

/// The baggage of an incoming request's or message's headers (`baggage`, several joined);
/// empty when there is none, when `OTEL_PROPAGATORS` leaves `baggage` out, or when it is
/// malformed (one warning). Members past the W3C limits (64 members, 8,192 bytes) are dropped,
/// with one warning.
///
/// ```
/// let headers = std::collections::HashMap::from([(
///     "baggage".to_owned(),
///     "tenant.id=acme".to_owned(),
/// )]);
/// assert_eq!(tripod::trace::extract_baggage(&headers).get("tenant.id"), Some("acme"));
/// ```
pub fn extract_baggage(carrier: &impl Carrier) -> Baggage {
    static MALFORMED: AtomicBool = AtomicBool::new(false);
    static TOO_MUCH: AtomicBool = AtomicBool::new(false);
    if !super::propagators::baggage() {
        return Baggage::default();
    }
    let headers = carrier.get_all(BAGGAGE);
    if headers.is_empty() {
        return Baggage::default();
    }
    match super::baggage::parse(&headers.join(",")) {
        Ok((baggage, 0)) => baggage,
        Ok((baggage, dropped)) => {
            warn_once(&TOO_MUCH, || {
                format!(
                    "baggage past the W3C limits ({MAX_MEMBERS} members, {MAX_BYTES} bytes): \
                     {dropped} members dropped (reported once)"
                )
            });
            baggage
        }
        Err(error) => {
            warn_once(&MALFORMED, || {
                format!("{error}: the request's baggage is ignored (reported once)")
            });
            Baggage::default()
        }
    }
}

/// Writes `baggage` into `carrier` (`baggage`, replacing what it held); an empty one leaves the
/// carrier as it was (a header the application set itself stays).
pub(crate) fn inject_baggage(baggage: &Baggage, carrier: &mut impl Carrier) {
    if !baggage.is_empty() && super::propagators::baggage() {
        carrier.set(BAGGAGE, baggage.header());
    }
}

#[cfg(all(test, feature = "http"))]
mod tests {
    use super::*;
    use http::HeaderMap;

    const PARENT: &str = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for (name, value) in pairs {
            headers.append(*name, value.parse().unwrap());
        }
        headers
    }

    #[test]
    fn a_valid_traceparent_and_tracestate_round_trip() {
        let incoming = headers(&[
            ("traceparent", PARENT),
            ("tracestate", "rojo=00f067aa0ba902b7"),
            ("tracestate", "congo=t61rcWkgMzE"),
        ]);
        let context = extract(&incoming).unwrap();
        assert_eq!(
            context.trace_state.as_str(),
            "rojo=00f067aa0ba902b7,congo=t61rcWkgMzE"
        );
        let mut outgoing = headers(&[("tracestate", "stale=1")]);
        inject_context(&context, &mut outgoing);
        assert_eq!(outgoing["traceparent"], PARENT);
        assert_eq!(
            outgoing["tracestate"],
            "rojo=00f067aa0ba902b7,congo=t61rcWkgMzE"
        );
        assert_eq!(outgoing.get_all("tracestate").iter().count(), 1);
    }

    #[test]
    fn malformed_or_repeated_traceparents_start_a_new_trace() {
        for bad in [
            "01-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331",
            "ff-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
            "00-00000000000000000000000000000000-b7ad6b7169203331-01",
            "00-0af7651916cd43dd8448eb211c80319c-0000000000000000-01",
            "00-0af7651916cd43dd8448eb211c80319g-b7ad6b7169203331-01",
            "00-0af7651916cd43dd8448eb211c80319-b7ad6b7169203331-01",
            "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01-00",
        ] {
            assert_eq!(extract(&headers(&[("traceparent", bad)])), None, "{bad}");
        }
        assert_eq!(
            extract(&headers(&[
                ("traceparent", PARENT),
                ("traceparent", PARENT)
            ])),
            None
        );
        assert_eq!(extract(&HeaderMap::new()), None);
    }

    #[test]
    fn an_invalid_tracestate_is_dropped_and_the_parent_kept() {
        let context = extract(&headers(&[
            ("traceparent", PARENT),
            ("tracestate", "Not Valid"),
        ]))
        .unwrap();
        assert!(context.trace_state.is_empty());
        assert!(context.sampled);
    }

    #[test]
    fn a_message_map_carries_the_context_and_its_state() {
        let incoming = extract(&headers(&[
            ("traceparent", PARENT),
            ("tracestate", "congo=t61rcWkgMzE"),
        ]))
        .unwrap();
        let mut message = HashMap::from([("TraceParent".to_owned(), "stale".to_owned())]);
        inject_context(&incoming, &mut message);
        assert_eq!(
            message.len(),
            2,
            "the stale entry was replaced: {message:?}"
        );
        assert_eq!(extract(&message), Some(incoming));
    }
}
