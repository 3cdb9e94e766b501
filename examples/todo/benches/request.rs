//! CPU cost of one request through the service's router, in process (no sockets, no load
//! generator, no receiver competing for the cores): the app with telemetry not installed, then,
//! in the same run, with the stack `main` installs (JSON logs, Prometheus, OTLP). Logs go to
//! `io::sink()` and the OTLP endpoint is a closed port, so what is measured is the work on the
//! request's own thread: spans, log lines, metrics and the span records for export. The export
//! thread's work per span is `cargo bench -p tripod-tests --bench otlp_export`.
//!
//! `tripod::init()` installs once per process, so the telemetry-off rows run first.
//!
//! Run: `cargo bench -p todo-app --bench request`.

use std::hint::black_box;

use axum::Router;
use axum::body::Body;
use axum::http::Request;
use criterion::{Criterion, criterion_group, criterion_main};
use todo_app::db::{self, Todos};
use todo_app::predictor::Predictor;
use todo_app::{AppState, app};
use tower::ServiceExt;

const PREDICT_BODY: &str = r#"{"text":"the staff were friendly and the food was lovely"}"#;

fn predict_request() -> Request<Body> {
    Request::post("/api/predict")
        .header("content-type", "application/json")
        .body(Body::from(PREDICT_BODY))
        .expect("a valid request")
}

fn list_request() -> Request<Body> {
    Request::get("/api/todos?limit=20")
        .body(Body::empty())
        .expect("a valid request")
}

/// Sends one request and reads the whole response, as a client would.
async fn send(router: &Router, request: Request<Body>) -> usize {
    let response = router.clone().oneshot(request).await.expect("infallible");
    assert!(response.status().is_success(), "{}", response.status());
    let body = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .expect("the body reads");
    body.len()
}

fn requests(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    let database = std::env::temp_dir().join(format!("todo-bench-{}.db", std::process::id()));
    let router = runtime.block_on(async {
        let pool = db::connect(&format!("sqlite://{}?mode=rwc", database.display()))
            .await
            .expect("the database opens");
        let todos = Todos::new(pool);
        let router = app(AppState {
            todos,
            predictor: Predictor::shipped(),
        });
        for i in 0..50 {
            let create = Request::post("/api/todos")
                .header("content-type", "application/json")
                .body(Body::from(format!(
                    r#"{{"title":"todo {i}","user_id":{}}}"#,
                    i % 5
                )))
                .expect("a valid request");
            send(&router, create).await;
        }
        router
    });

    let mut group = c.benchmark_group("request");
    let measure = |group: &mut criterion::BenchmarkGroup<'_, _>, case: &str| {
        group.bench_function(format!("POST /api/predict, {case}"), |b| {
            b.iter(|| black_box(runtime.block_on(send(&router, predict_request()))));
        });
        group.bench_function(format!("GET /api/todos, {case}"), |b| {
            b.iter(|| black_box(runtime.block_on(send(&router, list_request()))));
        });
    };
    measure(&mut group, "telemetry off");

    let nobody = std::net::TcpListener::bind("127.0.0.1:0")
        .expect("a free port")
        .local_addr()
        .expect("its address");
    let telemetry = tripod::init()
        // Every line written, as before the limit on repeated lines: figures compare.
        .log_rate_limit(None)
        .environment(|_| None)
        .service_name("todo-app")
        .log_writer(std::io::sink())
        .otlp_endpoint(format!("http://{nobody}"))
        .install()
        .expect("tripod installs");
    measure(&mut group, "telemetry on");
    group.finish();
    drop(telemetry);
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", database.display()));
    }
}

criterion_group!(benches, requests);
criterion_main!(benches);
