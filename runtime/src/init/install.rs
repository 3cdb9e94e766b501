//! The [`Builder`]'s finishing methods, from no side effect to global installation: [`build`]
//! (everything running, nothing installed), [`into_layer`] (tripod as one layer of the
//! application's own subscriber) and [`install`] (the subscriber and recorder made global).
//!
//! [`build`]: Builder::build
//! [`into_layer`]: Builder::into_layer
//! [`install`]: Builder::install

use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::{Layer, Registry};

use super::assemble;
use super::{Builder, InitError, Telemetry};

impl Builder {
    /// Builds everything and installs it globally: the subscriber as `tracing`'s default, the
    /// recorder as `metrics`' global recorder. With `OTEL_SDK_DISABLED=true` nothing is built or
    /// installed: the guard does nothing, observed functions cost what they cost with nothing
    /// installed, and one line on stderr says so (`build` and `into_layer` likewise).
    ///
    /// # Errors
    ///
    /// [`InitError::AlreadyInitialized`] when a global subscriber or recorder exists, and every
    /// error of [`build`](Builder::build); nothing is installed then.
    pub fn install(self) -> Result<Telemetry, InitError> {
        if let Some(telemetry) = self.disabled() {
            return Ok(telemetry);
        }
        // Checked first, so a failure leaves nothing half-installed.
        if tracing::dispatcher::has_been_set() {
            return Err(InitError::AlreadyInitialized("tracing subscriber"));
        }
        #[cfg_attr(not(feature = "_recorder"), allow(unused_mut))]
        let mut telemetry = self.build()?;
        #[cfg(feature = "_recorder")]
        if let Some(recorder) = telemetry.recorder.take() {
            metrics::set_global_recorder(recorder)
                .map_err(|_| InitError::AlreadyInitialized("metrics recorder"))?;
            // tripod's recorder is the global one and its collector thread runs: observed calls
            // leave their metrics to the collector thread (no shared atomic on the calling thread).
            telemetry.collects_metrics = telemetry.collecting.is_some();
        }
        tracing::dispatcher::set_global_default(telemetry.dispatch.clone())
            .map_err(|_| InitError::AlreadyInitialized("tracing subscriber"))?;
        if telemetry.collects_metrics {
            crate::call_path::collect_metrics(true);
        }
        Ok(telemetry)
    }

    /// Builds everything without installing anything globally: the subscriber is
    /// [`Telemetry::dispatch`], the recorder `Telemetry::recorder()` (with the `prometheus` or
    /// `otlp` feature). Exporter threads run. Each
    /// environment variable that could not be used is logged as a warning through the new
    /// subscriber.
    ///
    /// # Errors
    ///
    /// [`InitError::InvalidFilter`], [`InitError::InvalidBuckets`],
    /// [`InitError::MetricsListener`] and [`InitError::Exporter`], for settings given in code
    /// (unusable environment variables are warnings instead).
    pub fn build(self) -> Result<Telemetry, InitError> {
        if let Some(telemetry) = self.disabled() {
            return Ok(telemetry);
        }
        let mut prepared = assemble::prepare(self)?;
        if let Some(dispatch) = prepared.own_subscriber() {
            return Ok(prepared.finish(dispatch));
        }
        let layers = prepared.layers::<Registry>()?;
        let subscriber = Registry::default().with(layers);
        Ok(prepared.finish(tracing::Dispatch::new(subscriber)))
    }

    /// Builds tripod's telemetry as one `tracing-subscriber` layer, for applications that compose
    /// their own subscriber (to add tokio-console, Sentry or a file appender): the same log lines,
    /// trace ids and OTLP export as [`install`](Builder::install), each part behind its own
    /// filter so the other layers see every event. Nothing is installed: add the layer to a
    /// registry, and install `Telemetry::recorder()` as the metrics recorder if you want
    /// Prometheus. Keep the returned [`Telemetry`] alive; its [`dispatch`](Telemetry::dispatch) is
    /// a no-op one, since the subscriber is yours.
    ///
    /// ```no_run
    /// use tracing_subscriber::layer::SubscriberExt as _;
    /// use tracing_subscriber::util::SubscriberInitExt as _;
    ///
    /// let (tripod_layer, telemetry) = tripod::init().service_name("todo-app").into_layer()?;
    /// tracing_subscriber::registry()
    ///     .with(tripod_layer)
    ///     .with(tracing_subscriber::fmt::layer().with_writer(std::io::stderr))
    ///     .init();
    /// # drop(telemetry);
    /// # Ok::<(), tripod::InitError>(())
    /// ```
    ///
    /// # Errors
    ///
    /// Those of [`build`](Builder::build).
    #[allow(clippy::type_complexity)]
    pub fn into_layer<S>(
        self,
    ) -> Result<(impl Layer<S> + Send + Sync + 'static, Telemetry), InitError>
    where
        S: tracing::Subscriber + for<'a> tracing_subscriber::registry::LookupSpan<'a>,
    {
        if let Some(telemetry) = self.disabled() {
            // No layer: an empty list of them, which sees nothing and says nothing.
            let none: Vec<Box<dyn Layer<S> + Send + Sync>> = Vec::new();
            let layers: Box<dyn Layer<S> + Send + Sync> = Box::new(none);
            return Ok((layers, telemetry));
        }
        let mut prepared = assemble::prepare(self)?;
        let layers = prepared.layers::<S>()?;
        let telemetry = prepared.finish(tracing::Dispatch::none());
        Ok((layers, telemetry))
    }

    /// With `OTEL_SDK_DISABLED=true` (the variable operators use to switch telemetry off
    /// without a rebuild): a guard that does nothing, nothing started and nothing to install,
    /// said in one line on stderr (no subscriber is there to say it); `None` otherwise.
    fn disabled(&self) -> Option<Telemetry> {
        if !super::env::sdk_disabled(&self.environment) {
            return None;
        }
        eprintln!(
            "tripod: OTEL_SDK_DISABLED=true: telemetry is off (no subscriber, no metrics \
             recorder, nothing exported; observed functions run as with nothing installed)"
        );
        Some(Telemetry::disabled())
    }
}
