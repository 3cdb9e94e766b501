//! A caller's trace continues through `observe_http` in everything exported: the server span's
//! trace id, parent and trace state are the caller's (checked in the spans a real OTLP/HTTP
//! receiver decodes, not just in headers), sampling follows the configured sampler, a malformed
//! `traceparent` starts a new trace without failing the request, and every request has one
//! access line carrying the trace id its response shows.

use crate::support;

use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use axum::routing::get;
use support::backends::MemoryLog;
use tower::ServiceExt;
use tripod::trace::Sampler;
use tripod_tests::otlp_receiver::{OtlpReceiver, ReceivedSpan, named};

const CALLER_TRACE: &str = "0af7651916cd43dd8448eb211c80319c";
const CALLER_SPAN: &str = "b7ad6b7169203331";

#[tripod::observe(name = "todo.list")]
async fn list() -> Result<&'static str, StatusCode> {
    lookup().await
}

#[tripod::observe(name = "db.todos.select")]
async fn lookup() -> Result<&'static str, StatusCode> {
    Ok("[]")
}

fn app() -> Router {
    Router::new()
        .route("/api/todos", get(list))
        .layer(axum::middleware::from_fn(tripod::axum::observe_http))
}

/// What one request through an app with `sampler` gave: its response headers, the log lines and
/// the spans the receiver got.
struct Served {
    status: StatusCode,
    trace_id_header: String,
    traceparent_header: String,
    spans: Vec<ReceivedSpan>,
    log: MemoryLog,
}

fn serve_one(sampler: Sampler, headers: &[(&str, &str)]) -> Served {
    let receiver = OtlpReceiver::start();
    let log = MemoryLog::default();
    let telemetry = tripod::init()
        .environment(|_| None)
        .service_name("context-test")
        .log_writer(log.clone())
        .prometheus(false)
        .sampler(sampler)
        .otlp_endpoint(receiver.endpoint())
        .build()
        .expect("builds");
    let response = tracing::dispatcher::with_default(telemetry.dispatch(), || {
        let mut request = Request::get("/api/todos");
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
            .block_on(app().oneshot(request.body(Body::empty()).unwrap()))
            .unwrap()
    });
    assert!(telemetry.flush(Duration::from_secs(10)), "the export ends");
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .map(|value| value.to_str().unwrap().to_owned())
            .unwrap_or_default()
    };
    let trace_id_header = header("x-trace-id");
    Served {
        status: response.status(),
        traceparent_header: header("traceparent"),
        spans: receiver.wait_for_trace(&trace_id_header, 3, Duration::from_millis(500)),
        trace_id_header,
        log,
    }
}

#[test]
fn the_exported_server_span_continues_the_callers_trace_with_its_trace_state() {
    let served = serve_one(
        Sampler::ParentBasedAlwaysOn,
        &[
            (
                "traceparent",
                &format!("00-{CALLER_TRACE}-{CALLER_SPAN}-01"),
            ),
            ("tracestate", "congo=t61rcWkgMzE,rojo=00f067aa0ba902b7"),
        ],
    );
    assert_eq!(served.status, StatusCode::OK);
    assert_eq!(served.trace_id_header, CALLER_TRACE);
    assert_eq!(served.spans.len(), 3, "{:#?}", served.spans);

    let server = named(&served.spans, "GET /api/todos");
    assert_eq!(server.kind, "server");
    assert_eq!(server.trace_id, CALLER_TRACE);
    assert_eq!(
        server.parent_span_id, CALLER_SPAN,
        "the caller's span is the parent"
    );
    assert_eq!(
        server.trace_state,
        "congo=t61rcWkgMzE,rojo=00f067aa0ba902b7"
    );
    assert_eq!(
        served.traceparent_header,
        format!("00-{CALLER_TRACE}-{}-01", server.span_id),
        "the response names the exported server span"
    );

    let handler = named(&served.spans, "todo.list");
    let query = named(&served.spans, "db.todos.select");
    assert_eq!(handler.parent_span_id, server.span_id);
    assert_eq!(query.parent_span_id, handler.span_id);
    for span in &served.spans {
        assert_eq!(span.trace_id, CALLER_TRACE);
        assert_eq!(
            span.trace_state, server.trace_state,
            "{} inherits it",
            span.name
        );
    }

    // One access line, with the id the response showed and the exported server span's id.
    let access = served.log.events("http.server.request");
    assert_eq!(access.len(), 1, "{}", served.log.text());
    assert_eq!(access[0]["trace_id"], CALLER_TRACE);
    assert_eq!(access[0]["span_id"], server.span_id.as_str());
    assert_eq!(access[0]["http.response.status_code"], 200);
    assert_eq!(access[0]["level"], "info");
}

#[test]
fn each_sampler_decides_as_the_specification_says() {
    let sampled = format!("00-{CALLER_TRACE}-{CALLER_SPAN}-01");
    let not_sampled = format!("00-{CALLER_TRACE}-{CALLER_SPAN}-00");
    for (sampler, caller, exported) in [
        (Sampler::ParentBasedAlwaysOn, &sampled, true),
        (Sampler::ParentBasedAlwaysOn, &not_sampled, false),
        (Sampler::ParentBasedAlwaysOff, &sampled, true),
        (Sampler::ParentBasedTraceIdRatio(0.0), &sampled, true),
        (Sampler::ParentBasedTraceIdRatio(1.0), &not_sampled, false),
        (Sampler::AlwaysOn, &not_sampled, true),
        (Sampler::AlwaysOff, &sampled, false),
        (Sampler::TraceIdRatio(0.0), &sampled, false),
        (Sampler::TraceIdRatio(1.0), &not_sampled, true),
    ] {
        let served = serve_one(sampler, &[("traceparent", caller)]);
        assert_eq!(served.status, StatusCode::OK);
        assert_eq!(served.trace_id_header, CALLER_TRACE, "{sampler:?}");
        let flag = if exported { "-01" } else { "-00" };
        assert!(
            served.traceparent_header.ends_with(flag),
            "{sampler:?} with {caller}: {}",
            served.traceparent_header
        );
        if exported {
            assert_eq!(served.spans.len(), 3, "{sampler:?} with {caller}");
            assert_eq!(
                named(&served.spans, "GET /api/todos").parent_span_id,
                CALLER_SPAN
            );
        } else {
            assert!(
                served.spans.is_empty(),
                "{sampler:?} with {caller} exported {:#?}",
                served.spans
            );
        }
        // Sampled or not, the request is logged under the caller's trace.
        assert_eq!(
            served.log.events("http.server.request")[0]["trace_id"],
            CALLER_TRACE
        );
    }
}

#[test]
fn a_malformed_traceparent_starts_a_new_trace_and_the_request_succeeds() {
    for bad in [
        format!("ff-{CALLER_TRACE}-{CALLER_SPAN}-01"),
        format!("00-{}-{CALLER_SPAN}-01", "0".repeat(32)),
        format!("00-{CALLER_TRACE}-{}-01", "0".repeat(16)),
        format!("00-{CALLER_TRACE}-{CALLER_SPAN}-0g"),
        format!("00-{CALLER_TRACE}-{CALLER_SPAN}"),
        format!("00-{CALLER_TRACE}x-{CALLER_SPAN}-01"),
    ] {
        let served = serve_one(Sampler::ParentBasedAlwaysOn, &[("traceparent", &bad)]);
        assert_eq!(served.status, StatusCode::OK, "{bad}");
        assert_ne!(served.trace_id_header, CALLER_TRACE, "{bad}");
        assert_eq!(served.trace_id_header.len(), 32, "{bad}");
        let server = named(&served.spans, "GET /api/todos");
        assert_eq!(server.parent_span_id, "", "{bad}: a new root");
        assert_eq!(server.trace_id, served.trace_id_header);
    }
}

#[test]
fn the_access_line_can_be_turned_off() {
    let log = MemoryLog::default();
    let telemetry = tripod::init()
        .environment(|_| None)
        .log_writer(log.clone())
        .prometheus(false)
        .access_log(false)
        .build()
        .expect("builds");
    tracing::dispatcher::with_default(telemetry.dispatch(), || {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
            .block_on(app().oneshot(Request::get("/api/todos").body(Body::empty()).unwrap()))
            .unwrap()
    });
    telemetry.flush(Duration::from_secs(1));
    assert!(log.events("http.server.request").is_empty());
    assert_eq!(log.events("todo.list.success").len(), 1, "other lines stay");
}
