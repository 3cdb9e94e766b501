//! One request's accounting, held by a guard so that it happens exactly once however the
//! request ends: with a response, dropped before one (client gone, outer timeout), or unwinding
//! from a panic.

use std::sync::{Arc, OnceLock};

use axum::extract::MatchedPath;
use metrics::Gauge;
use tracing::Level;

use super::handles;
use crate::metric_names::UNMATCHED_ENDPOINT;

/// The `status_code` label (and the span's and access line's status) of a request whose future
/// was dropped before it produced a response: the client went away, or an outer timeout gave
/// up on it. 499 is nginx's "client closed request", the status dashboards already know.
pub const CANCELLED_STATUS: u16 = 499;

/// How a request ended.
enum End {
    Responded(u16),
    Cancelled,
    Panicked,
}

/// Holds `http_requests_in_flight` up while the request runs; records the request when it ends.
pub(super) struct RequestGuard {
    span: tracing::Span,
    method: &'static str,
    route: Option<MatchedPath>,
    /// Where the route is noted once it matched, when the request was observed before routing
    /// ([`observe`](crate::axum::observe)).
    routed: Option<Arc<OnceLock<MatchedPath>>>,
    started: quanta::Instant,
    in_flight: Gauge,
    ended: bool,
}

impl RequestGuard {
    pub(super) fn start(
        span: tracing::Span,
        method: &'static str,
        route: Option<MatchedPath>,
    ) -> RequestGuard {
        let in_flight = handles::in_flight();
        in_flight.increment(1.0);
        RequestGuard {
            span,
            method,
            route,
            routed: None,
            started: quanta::Instant::now(),
            in_flight,
            ended: false,
        }
    }

    /// The route is learnt from `slot` when the request ends (observed before routing).
    pub(super) fn routed_by(mut self, slot: Arc<OnceLock<MatchedPath>>) -> RequestGuard {
        self.routed = Some(slot);
        self
    }

    /// The request answered with `status`.
    pub(super) fn responded(mut self, status: u16) {
        self.end(End::Responded(status));
    }

    fn end(&mut self, end: End) {
        self.ended = true;
        if let Some(route) = self.routed.as_ref().and_then(|slot| slot.get()) {
            // Routed after the span opened (which then took its name and route).
            self.route = Some(route.clone());
        }
        let elapsed = quanta::Instant::now().duration_since(self.started);
        let seconds = elapsed.as_secs_f64();
        self.in_flight.decrement(1.0);
        let status = match end {
            End::Responded(status) => status,
            End::Cancelled => CANCELLED_STATUS,
            End::Panicked => 500,
        };
        let endpoint = self
            .route
            .as_ref()
            .map_or(UNMATCHED_ENDPOINT, MatchedPath::as_str);
        let route = handles::route_handles(self.method, endpoint, status);
        // Inside the server span, so the exemplars of both series point at it.
        self.span.in_scope(|| {
            route.requests.increment(1);
            route.duration.record(seconds);
        });

        let span = &self.span;
        span.record("http.response.status_code", status);
        let failure = match end {
            End::Responded(status) if status >= 500 => {
                Some((itoa::Buffer::new().format(status).to_owned(), None))
            }
            End::Responded(_) => None,
            End::Cancelled => Some((
                "cancelled".to_owned(),
                Some("the request was dropped before it produced a response"),
            )),
            End::Panicked => Some(("panic".to_owned(), Some("the handler panicked"))),
        };
        if let Some((error_type, description)) = failure {
            span.record("error.type", error_type.as_str());
            if let Some(description) = description {
                span.record("otel.status_description", description);
            }
            span.record("otel.status_code", "error");
        }

        // Whole nanoseconds divided once: printed without float noise.
        let duration_ms = elapsed.as_nanos() as f64 / 1e6;
        match end {
            End::Cancelled => access_line(span, Level::WARN, duration_ms),
            _ if status >= 500 => access_line(span, Level::ERROR, duration_ms),
            _ => access_line(span, Level::INFO, duration_ms),
        }
    }
}

/// The access line: `http.server.request` inside the server span, which gives it the method,
/// route, path, status and trace ids.
fn access_line(span: &tracing::Span, level: Level, duration_ms: f64) {
    macro_rules! line {
        ($level:expr) => {
            tracing::event!(target: "tripod::access", parent: span, $level, duration_ms, "http.server.request")
        };
    }
    match level {
        Level::ERROR => line!(Level::ERROR),
        Level::WARN => line!(Level::WARN),
        _ => line!(Level::INFO),
    }
}

impl Drop for RequestGuard {
    fn drop(&mut self) {
        if !self.ended {
            self.end(if std::thread::panicking() {
                End::Panicked
            } else {
                End::Cancelled
            });
        }
    }
}
