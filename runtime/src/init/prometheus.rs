//! Prometheus's `/metrics` on the builder and the guard: its setters (the settings are
//! `crate::prometheus::Settings`), its start, and the handle and listener the guard gives out.

use super::env::FromEnvironment;
use super::{Builder, InitError, Telemetry};
use crate::prometheus::Serving;
use crate::sink::Part;

impl Builder {
    /// Whether `/metrics` is offered (the Prometheus and OpenMetrics expositions of tripod's
    /// recorder: [`Telemetry::prometheus_handle`](crate::Telemetry::prometheus_handle)). The
    /// recorder itself is installed when this or OTLP metrics want it. `OTEL_METRICS_EXPORTER`
    /// without `prometheus` turns it off. Defaults to `true`.
    pub fn prometheus(mut self, enabled: bool) -> Self {
        self.prometheus.enabled = enabled;
        self
    }

    /// Whether `/metrics` offers Prometheus native histograms: histograms count in base-2
    /// exponential buckets too (at most 160 a sign, at the finest scale that fits, up to 5: each
    /// bucket 2.2 % wide), and a scraper that asks for Prometheus's protobuf format (Prometheus
    /// with `--enable-feature=native-histograms`) gets each histogram as a native one besides
    /// its classic buckets; the text expositions are unchanged. A sample then costs a little
    /// more (BENCHMARKS.md). Defaults to `false`.
    ///
    /// ```
    /// let telemetry = tripod::init()
    ///     .environment(|_| None)
    ///     .prometheus_native_histograms(true)
    ///     .build()?;
    /// let (content_type, _) = telemetry.prometheus_handle().unwrap().render_for(Some(
    ///     "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited",
    /// ));
    /// assert!(content_type.starts_with("application/vnd.google.protobuf"));
    /// # Ok::<(), tripod::InitError>(())
    /// ```
    pub fn prometheus_native_histograms(mut self, enabled: bool) -> Self {
        self.prometheus.native_histograms = enabled;
        self
    }

    /// Serves `GET /metrics` on `address` from a thread of its own, for applications that serve
    /// no HTTP themselves (port 0 picks a free port: see [`Telemetry::metrics_address`](crate::Telemetry::metrics_address)).
    /// Defaults to no listener (axum applications mount `tripod::axum::metrics_router`).
    pub fn metrics_listener(mut self, address: impl Into<std::net::SocketAddr>) -> Self {
        self.prometheus.listener = Some(address.into());
        self
    }

    /// `/metrics` over `recorder`, when it is offered: the builder allows it and
    /// `OTEL_METRICS_EXPORTER`, when set, names `prometheus`.
    pub(super) fn prometheus_part(
        &self,
        env: &FromEnvironment,
        recorder: Option<&crate::MetricsRecorder>,
        resource: &crate::resource::Resource,
    ) -> Result<Option<Box<dyn Part>>, InitError> {
        let Some(recorder) = recorder.filter(|_| {
            self.prometheus.enabled
                && env
                    .metrics_exporters
                    .is_none_or(|outputs| outputs.prometheus)
        }) else {
            return Ok(None);
        };
        let serving = self
            .prometheus
            .start(recorder, resource)
            .map_err(|(address, source)| InitError::MetricsListener { address, source })?;
        Ok(Some(Box::new(serving)))
    }
}

impl Telemetry {
    /// The Prometheus exposition (classic text) of every metric recorded so far, as `/metrics`
    /// serves it to a scraper that does not ask for OpenMetrics.
    pub fn render_metrics(&self) -> Option<String> {
        self.prometheus_handle()
            .map(crate::PrometheusHandle::render)
    }

    /// The Prometheus handle, to serve `/metrics` from your own HTTP server (see
    /// [`PrometheusHandle::render_for`](crate::PrometheusHandle::render_for)).
    pub fn prometheus_handle(&self) -> Option<&crate::PrometheusHandle> {
        self.part::<Serving>().map(|serving| &serving.handle)
    }

    /// Where the standalone `/metrics` listener listens, when one was asked for.
    pub fn metrics_address(&self) -> Option<std::net::SocketAddr> {
        self.part::<Serving>()
            .and_then(|serving| serving.listener.as_ref().map(|(address, _)| *address))
    }
}
