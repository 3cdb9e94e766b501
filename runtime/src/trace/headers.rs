//! W3C trace context in and out of `http::HeaderMap`s, for any HTTP client or server.

use http::HeaderMap;
use http::header::{HeaderName, HeaderValue};

use super::{SpanContext, TraceState};

const TRACEPARENT: HeaderName = HeaderName::from_static("traceparent");
const TRACESTATE: HeaderName = HeaderName::from_static("tracestate");

/// Writes the current span's trace context into `headers` (`traceparent`, and `tracestate` when
/// the trace has one), so the service a request goes to continues the trace. Returns `false`,
/// writing nothing, when no span is current or tripod's subscriber is not installed.
///
/// Works with any client that exposes an `http::HeaderMap` (reqwest's `RequestBuilder::headers`,
/// hyper, ureq's `http` requests); [`tripod::client::ObserveLayer`](crate::client::ObserveLayer)
/// does it for tower-based clients and opens a client span as well.
///
/// ```
/// let mut headers = http::HeaderMap::new();
/// // Without tripod's subscriber (or outside any span) nothing is written.
/// assert!(!tripod::trace::inject(&mut headers));
/// assert!(headers.is_empty());
/// ```
pub fn inject(headers: &mut HeaderMap) -> bool {
    match super::current() {
        Some(context) => {
            inject_context(&context, headers);
            true
        }
        None => false,
    }
}

/// Writes `context` into `headers`, replacing any trace context they had: for a context kept
/// from elsewhere (a job queued by a request, a span that is not current).
///
/// ```
/// let context: tripod::trace::SpanContext =
///     "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01".parse().unwrap();
/// let mut headers = http::HeaderMap::new();
/// tripod::trace::inject_context(&context, &mut headers);
/// assert_eq!(headers["traceparent"], "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");
/// ```
pub fn inject_context(context: &SpanContext, headers: &mut HeaderMap) {
    if let Ok(value) = HeaderValue::from_str(&context.to_string()) {
        headers.insert(TRACEPARENT, value);
    }
    headers.remove(TRACESTATE);
    if !context.trace_state.is_empty()
        && let Ok(value) = HeaderValue::from_str(context.trace_state.as_str())
    {
        headers.insert(TRACESTATE, value);
    }
}

/// The caller's trace context from an incoming request's headers, for
/// [`with_remote_parent`](super::with_remote_parent). `None` when there is no `traceparent`, when
/// it is malformed (wrong version or length, bad hex, all-zero ids) or when it appears twice: the
/// request then starts a new trace. A `tracestate` that breaks the specification's grammar is
/// dropped and the `traceparent` still used; several `tracestate` headers are joined.
///
/// ```
/// let mut headers = http::HeaderMap::new();
/// headers.insert("traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01".parse().unwrap());
/// headers.insert("tracestate", "congo=t61rcWkgMzE".parse().unwrap());
/// let caller = tripod::trace::extract(&headers).unwrap();
/// assert_eq!(caller.trace_id.to_string(), "0af7651916cd43dd8448eb211c80319c");
/// assert_eq!(caller.trace_state.get("congo"), Some("t61rcWkgMzE"));
///
/// headers.insert("traceparent", "00-0af7651916cd43dd8448eb211c80319c-0000000000000000-01".parse().unwrap());
/// assert!(tripod::trace::extract(&headers).is_none());
/// ```
pub fn extract(headers: &HeaderMap) -> Option<SpanContext> {
    let mut parents = headers.get_all(TRACEPARENT).iter();
    let parent = parents.next()?;
    if parents.next().is_some() {
        return None;
    }
    let context: SpanContext = parent.to_str().ok()?.parse().ok()?;
    let mut states = headers.get_all(TRACESTATE).iter().peekable();
    if states.peek().is_none() {
        return Some(context);
    }
    let mut joined = String::new();
    for value in states {
        let Ok(value) = value.to_str() else {
            return Some(context);
        };
        if !joined.is_empty() {
            joined.push(',');
        }
        joined.push_str(value);
    }
    Some(context.with_trace_state(joined.parse::<TraceState>().unwrap_or_default()))
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
