//! `tripod::init()`: JSON logs, Prometheus and OTLP traces from one builder.
//!
//! [`Builder`] holds the settings (`builder.rs`) and finishes them (`install.rs`); `env.rs` and
//! `otlp_env.rs` read the standard variables over them; `assemble.rs` starts the parts and puts
//! them together; [`Telemetry`] owns what runs.

mod assemble;
mod builder;
mod env;
mod error;
mod install;
mod key_values;
#[cfg(feature = "otlp")]
mod otlp_env;
mod telemetry;

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
/// (unset: no trace export), `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`, `OTEL_EXPORTER_OTLP_PROTOCOL`
/// (`http/protobuf` or `grpc`), `OTEL_EXPORTER_OTLP_TIMEOUT`, `OTEL_TRACES_SAMPLER` and
/// `OTEL_TRACES_SAMPLER_ARG`, `RUST_LOG` and `TRIPOD_LOG_FORMAT` (`json` or `pretty`). A value
/// that cannot be used is logged as a warning and the default applies.
pub fn init() -> Builder {
    Builder::new()
}
