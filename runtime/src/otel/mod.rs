//! tripod's traces and the OpenTelemetry API (feature `opentelemetry`): code written against the
//! `opentelemetry` crate (its propagators and carriers, `opentelemetry-http`, a library that
//! propagates through `opentelemetry::global`) joins tripod's traces.
//!
//! - [`Propagator`] is a `TextMapPropagator` for `opentelemetry::global::set_text_map_propagator`:
//!   it injects the context it is given or, when that holds no span (code that never made an
//!   OpenTelemetry span, as under tripod), tripod's current span, with the context's baggage or
//!   else tripod's current one; and it extracts W3C trace context and baggage, as tripod's own
//!   [`extract`](crate::trace::extract) and [`extract_baggage`](crate::trace::extract_baggage) do.
//! - [`context`] gives the OpenTelemetry `Context` of tripod's current span, and [`span_context`]
//!   tripod's [`SpanContext`] of an OpenTelemetry one, for
//!   [`with_remote_parent`](crate::trace::with_remote_parent).
//!
//! ```
//! use opentelemetry::propagation::TextMapPropagator as _;
//!
//! let caller = std::collections::HashMap::from([(
//!     "traceparent".to_owned(),
//!     "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01".to_owned(),
//! )]);
//! let cx = tripod::otel::Propagator.extract(&caller);
//! let parent = tripod::otel::span_context(&cx).expect("a remote parent");
//! assert_eq!(parent.trace_id.to_string(), "0af7651916cd43dd8448eb211c80319c");
//! let span = tripod::trace::with_remote_parent(Some(parent), || tracing::info_span!("job.run"));
//! # drop(span);
//! ```

use opentelemetry::baggage::BaggageExt as _;
use opentelemetry::propagation::{
    Extractor, Injector, TextMapPropagator, text_map_propagator::FieldIter,
};
use opentelemetry::trace::{self as otel, TraceContextExt as _};

use crate::trace::{Carrier, SpanContext, SpanId, TraceId, TraceState};

/// The W3C trace context propagator, joined to tripod's spans.
#[derive(Clone, Copy, Debug, Default)]
pub struct Propagator;

/// The fields the propagator reads and writes.
static FIELDS: std::sync::LazyLock<[String; 3]> = std::sync::LazyLock::new(|| {
    [
        "traceparent".to_owned(),
        "tracestate".to_owned(),
        "baggage".to_owned(),
    ]
});

impl TextMapPropagator for Propagator {
    /// The context's span (else tripod's current one) and its baggage (else tripod's current
    /// baggage), as `OTEL_PROPAGATORS` allows.
    fn inject_context(&self, cx: &opentelemetry::Context, injector: &mut dyn Injector) {
        let context = span_context(cx).or_else(crate::trace::current);
        if let Some(context) = context {
            crate::trace::inject_context(&context, &mut Injecting(injector));
        }
        let baggage = match baggage_of(cx) {
            baggage if baggage.is_empty() => crate::trace::current_baggage(),
            baggage => baggage,
        };
        crate::trace::inject_baggage(&baggage, &mut Injecting(injector));
    }

    fn extract_with_context(
        &self,
        cx: &opentelemetry::Context,
        extractor: &dyn Extractor,
    ) -> opentelemetry::Context {
        let baggage = crate::trace::extract_baggage(&Extracting(extractor));
        let cx =
            if baggage.is_empty() {
                cx.clone()
            } else {
                cx.with_baggage(baggage.iter().map(|(key, value)| {
                    opentelemetry::KeyValue::new(key.to_owned(), value.to_owned())
                }))
            };
        match crate::trace::extract(&Extracting(extractor)) {
            Some(context) => cx.with_remote_span_context(remote(&context)),
            None => cx,
        }
    }

    fn fields(&self) -> FieldIter<'_> {
        FieldIter::new(FIELDS.as_slice())
    }
}

/// The OpenTelemetry `Context` of tripod's current span (an empty one when no span is current
/// or tripod's subscriber is not installed), with the current baggage:
/// `cx.span().span_context()` has its ids, `cx.baggage()` the request's entries.
///
/// ```
/// use opentelemetry::trace::TraceContextExt as _;
///
/// // Without tripod's subscriber there is no span.
/// assert!(!tripod::otel::context().span().span_context().is_valid());
/// ```
pub fn context() -> opentelemetry::Context {
    let baggage = crate::trace::current_baggage();
    let cx = if baggage.is_empty() {
        opentelemetry::Context::new()
    } else {
        opentelemetry::Context::new().with_baggage(
            baggage
                .iter()
                .map(|(key, value)| opentelemetry::KeyValue::new(key.to_owned(), value.to_owned())),
        )
    };
    match crate::trace::current() {
        Some(context) => cx.with_remote_span_context(local(&context)),
        None => cx,
    }
}

/// tripod's [`Baggage`](crate::trace::Baggage) of the OpenTelemetry baggage `cx` holds.
fn baggage_of(cx: &opentelemetry::Context) -> crate::trace::Baggage {
    let header: Vec<String> = cx
        .baggage()
        .iter()
        .map(|(key, (value, _))| {
            let value = value.as_str();
            format!(
                "{key}={}",
                percent_encoding::utf8_percent_encode(value, percent_encoding::NON_ALPHANUMERIC)
            )
        })
        .collect();
    header.join(",").parse().unwrap_or_default()
}

/// tripod's context of the span `cx` holds, when it holds a valid one.
pub fn span_context(cx: &opentelemetry::Context) -> Option<SpanContext> {
    let span = cx.span();
    let context = span.span_context();
    context.is_valid().then(|| SpanContext {
        trace_id: TraceId(u128::from_be_bytes(context.trace_id().to_bytes())),
        span_id: SpanId(u64::from_be_bytes(context.span_id().to_bytes())),
        sampled: context.is_sampled(),
        trace_state: context
            .trace_state()
            .header()
            .parse::<TraceState>()
            .unwrap_or_default(),
    })
}

impl From<&SpanContext> for otel::SpanContext {
    /// The OpenTelemetry span context of tripod's (as a local span's).
    fn from(context: &SpanContext) -> otel::SpanContext {
        local(context)
    }
}

fn with_remote(context: &SpanContext, is_remote: bool) -> otel::SpanContext {
    otel::SpanContext::new(
        otel::TraceId::from_bytes(context.trace_id.0.to_be_bytes()),
        otel::SpanId::from_bytes(context.span_id.0.to_be_bytes()),
        if context.sampled {
            otel::TraceFlags::SAMPLED
        } else {
            otel::TraceFlags::default()
        },
        is_remote,
        context
            .trace_state
            .as_str()
            .parse::<otel::TraceState>()
            .unwrap_or_default(),
    )
}

fn local(context: &SpanContext) -> otel::SpanContext {
    with_remote(context, false)
}

fn remote(context: &SpanContext) -> otel::SpanContext {
    with_remote(context, true)
}

/// An OpenTelemetry injector as a [`Carrier`] to write into.
struct Injecting<'a>(&'a mut dyn Injector);

impl Carrier for Injecting<'_> {
    fn get_all(&self, _key: &str) -> Vec<&str> {
        Vec::new()
    }

    fn set(&mut self, key: &str, value: String) {
        self.0.set(key, value);
    }

    /// An injector cannot remove: the values it is given replace the old ones.
    fn remove(&mut self, _key: &str) {}
}

/// An OpenTelemetry extractor as a [`Carrier`] to read from.
struct Extracting<'a>(&'a dyn Extractor);

impl Carrier for Extracting<'_> {
    fn get_all(&self, key: &str) -> Vec<&str> {
        self.0.get_all(key).unwrap_or_default()
    }

    fn set(&mut self, _key: &str, _value: String) {}

    fn remove(&mut self, _key: &str) {}
}
