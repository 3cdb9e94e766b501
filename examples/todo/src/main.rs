//! Run with: `cargo run -p todo-app`
//!
//! Serves the API on `127.0.0.1:8000` (`TODO_ADDR` changes it), with the todos in SQLite
//! (`DATABASE_URL`, default `sqlite://todo.db?mode=rwc`), JSON logs on stdout, Prometheus at
//! `/metrics`, the trace viewer at `/debug/traces`, and traces, logs and metrics over OTLP when
//! `OTEL_EXPORTER_OTLP_ENDPOINT` is set. Ctrl-C or SIGTERM stops it
//! gracefully: in-flight requests finish, the database closes, telemetry is flushed.
//! `TODO_TELEMETRY=off` installs no telemetry at all (the baseline of the load benchmark);
//! `TODO_VIEWER=off` leaves out the trace viewer; `TODO_DB_SPANS=off` leaves out the database
//! spans (a span per SQL statement); `TODO_NATIVE_HISTOGRAMS=on` offers Prometheus native
//! histograms on `/metrics` (to a Prometheus started with `--enable-feature=native-histograms`).
//! `TODO_MODEL_URL=http://host:port` sends predictions to another instance of this service
//! instead of the classifier in process; the request's trace continues there.
//! `TODO_FAULT_ERROR_RATE`, `TODO_FAULT_SLOW_RATE` and `TODO_FAULT_SLOW_MS` make a share of
//! the in-process predictions fail or wait inside `ml.inference` (`todo_app::faults`).

use std::net::SocketAddr;
use std::sync::Arc;

use todo_app::db::{self, Todos};
use todo_app::faults::Faults;
use todo_app::predictor::Predictor;
use todo_app::remote_model::RemoteModel;
use todo_app::{AppState, app};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    // `TODO_TELEMETRY=off` runs the same app with nothing installed: the load benchmark's baseline.
    let telemetry = match std::env::var("TODO_TELEMETRY").as_deref() {
        Ok("off") => None,
        _ => Some(
            tripod::init()
                .service_name("todo-app")
                .service_version(env!("CARGO_PKG_VERSION"))
                // Every statement sqlx runs is a span (`INSERT todos`) and is timed in
                // db_client_operation_duration_seconds; `TODO_DB_SPANS=off` turns that off.
                .database_system("sqlite")
                .database_spans(std::env::var("TODO_DB_SPANS").as_deref() != Ok("off"))
                .trace_viewer(std::env::var("TODO_VIEWER").as_deref() != Ok("off"))
                // A prediction's probability is between 0.5 and 1.
                .metric_buckets(
                    todo_app::model_metrics::SCORE,
                    &todo_app::model_metrics::SCORE_BUCKETS,
                )
                .prometheus_native_histograms(
                    std::env::var("TODO_NATIVE_HISTOGRAMS").as_deref() == Ok("on"),
                )
                .install()?,
        ),
    };
    let address = match std::env::var("TODO_ADDR") {
        Ok(value) => value.parse::<SocketAddr>().unwrap_or_else(|_| {
            tracing::warn!(value = %value, "TODO_ADDR is no socket address; using 127.0.0.1:8000");
            SocketAddr::from(([127, 0, 0, 1], 8000))
        }),
        Err(_) => SocketAddr::from(([127, 0, 0, 1], 8000)),
    };
    let database_url =
        std::env::var("DATABASE_URL").unwrap_or_else(|_| "sqlite://todo.db?mode=rwc".into());

    let pool = db::connect(&database_url).await?;
    let todos = Todos::new(pool);
    // `TODO_FAULT_*`: failures and slowness on demand, inside the in-process `ml.inference`.
    let (faults, warnings) = Faults::from_variables(|name| std::env::var(name).ok());
    for warning in warnings {
        tracing::warn!("{warning}");
    }
    let predictor = match std::env::var("TODO_MODEL_URL") {
        Ok(url) => match RemoteModel::new(&url) {
            Ok(remote) => Predictor::Remote(Arc::new(remote)),
            Err(reason) => {
                tracing::warn!(%reason, "TODO_MODEL_URL is unusable; predicting in process");
                Predictor::shipped_with(faults)
            }
        },
        Err(_) => Predictor::shipped_with(faults),
    };
    let mut router = app(AppState {
        todos: todos.clone(),
        predictor,
    });
    if let Some(metrics) = telemetry
        .as_ref()
        .and_then(|telemetry| telemetry.prometheus_handle())
    {
        router = router.merge(tripod::axum::metrics_router(metrics.clone()));
    }
    // The trace viewer shows internal data: this example listens on 127.0.0.1 only.
    if let Some(viewer) = telemetry.as_ref().and_then(tripod::Telemetry::viewer) {
        router = router.merge(tripod::axum::viewer_router(viewer));
    }

    let listener = tokio::net::TcpListener::bind(address).await?;
    tracing::info!(address = %listener.local_addr()?, database = %database_url, "server.started");
    axum::serve(listener, router)
        .with_graceful_shutdown(shutdown_signal())
        .await?;
    todos.close().await;
    tracing::info!("server.stopped");
    drop(telemetry);
    Ok(())
}

/// Ctrl-C, or SIGTERM on Unix.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("server.stopping");
}
