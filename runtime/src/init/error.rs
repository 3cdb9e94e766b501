//! [`InitError`]: why `tripod::init()` could not install.

/// Why [`Builder::install`](crate::Builder::install) failed. Nothing is left half-installed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum InitError {
    /// A global `tracing` subscriber or `metrics` recorder was already set.
    #[error(
        "telemetry is already initialized: a global {0} was set before (call tripod::init() once, \
         early in main, and keep its Telemetry guard alive)"
    )]
    AlreadyInitialized(&'static str),
    /// A histogram bucket list was empty or not finite.
    #[error("invalid histogram buckets: {0}")]
    InvalidBuckets(String),
    /// The standalone `/metrics` listener could not bind its address.
    #[error(
        "cannot serve /metrics on {address}: {source} (is the port in use? pick another with .metrics_listener(..))"
    )]
    MetricsListener {
        /// The address asked for.
        address: std::net::SocketAddr,
        /// The bind error.
        source: std::io::Error,
    },
    /// The OTLP exporter could not be built.
    #[error("cannot export traces to {endpoint}: {reason}")]
    Exporter {
        /// Where traces were to go.
        endpoint: String,
        /// What went wrong.
        reason: String,
    },
    /// A log filter given to the builder did not parse.
    #[error("invalid log filter {filter:?}: {reason} (see tracing-subscriber's EnvFilter syntax)")]
    InvalidFilter {
        /// The filter.
        filter: String,
        /// The parse error.
        reason: String,
    },
}
