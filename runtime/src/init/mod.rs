//! `tripod::init()`: JSON logs, Prometheus, and traces, logs and metrics over OTLP from one
//! builder.
//!
//! [`Builder`] holds the settings (`builder.rs`; each sink's are its folder's) and finishes them
//! (`install.rs`); `env.rs` reads the standard variables every part shares (each sink reads its
//! own); `assemble.rs` starts the sinks and puts them together with the collector thread;
//! [`Telemetry`] owns what runs. A sink a feature adds has one file here for its setters, its start
//! and what the guard tells of it (`otlp.rs`, `prometheus.rs`, `metrics.rs`, `viewer.rs`), gated
//! once.

mod assemble;
mod builder;
mod env;
mod error;
mod install;
#[cfg(feature = "_recorder")]
mod metrics;
#[cfg(feature = "otlp")]
mod otlp;
#[cfg(feature = "prometheus")]
mod prometheus;
mod telemetry;
#[cfg(feature = "viewer")]
mod viewer;

pub use builder::Builder;
pub use env::LogFormat;
pub use error::InitError;
pub use telemetry::Telemetry;

/// Starts configuring telemetry; finish with [`Builder::install`].
///
/// ```no_run
/// let _telemetry = tripod::init().service_name("todo-app").install()?;
/// // ... the application; dropping `_telemetry` at the end of main flushes spans and logs.
/// # Ok::<(), tripod::InitError>(())
/// ```
///
/// Environment variables override the builder's settings, so operators can reconfigure without
/// a rebuild: `OTEL_SERVICE_NAME`, `OTEL_RESOURCE_ATTRIBUTES`, `OTEL_EXPORTER_OTLP_ENDPOINT`
/// (unset: nothing over OTLP; set: traces, logs and metrics go there), the exporter lists
/// `OTEL_TRACES_EXPORTER`, `OTEL_LOGS_EXPORTER` (`otlp`, `console`) and `OTEL_METRICS_EXPORTER`
/// (`otlp`, `prometheus`), the OTLP settings `OTEL_EXPORTER_OTLP_{ENDPOINT,PROTOCOL,HEADERS,
/// COMPRESSION,TIMEOUT,CERTIFICATE,CLIENT_CERTIFICATE,CLIENT_KEY}` and each one per signal
/// (`OTEL_EXPORTER_OTLP_LOGS_ENDPOINT`), `OTEL_METRIC_EXPORT_INTERVAL` and `_TIMEOUT`,
/// `OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE`, the span limits, `OTEL_TRACES_SAMPLER`
/// and `OTEL_TRACES_SAMPLER_ARG`, `RUST_LOG` and `TRIPOD_LOG_FORMAT` (`json` or `pretty`). A
/// value that cannot be used is logged as a warning and the default applies.
/// `OTEL_SDK_DISABLED=true` turns it all off: nothing is installed or started.
pub fn init() -> Builder {
    Builder::new()
}
