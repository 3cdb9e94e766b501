//! `/metrics`' settings as the builder holds them ([`Settings`]), and `/metrics` started from
//! them ([`Serving`]): the handle that renders the recorder, and the standalone listener when one
//! was asked for.

use std::net::SocketAddr;

use super::{PrometheusHandle, listen};
use crate::background::Background;
use crate::recorder::MetricsRecorder;
use crate::sink::Part;

/// `/metrics`' settings, as the builder's setters left them.
#[derive(Clone, Debug)]
pub(crate) struct Settings {
    /// Whether `/metrics` is offered.
    pub(crate) enabled: bool,
    /// Whether histograms are offered as native ones too (to a scraper asking for protobuf).
    pub(crate) native_histograms: bool,
    /// Where the standalone listener listens, when there is one.
    pub(crate) listener: Option<SocketAddr>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            enabled: true,
            native_histograms: false,
            listener: None,
        }
    }
}

/// `/metrics`, running: the handle, and the listener with its thread (stopped when dropped).
pub(crate) struct Serving {
    pub(crate) handle: PrometheusHandle,
    pub(crate) listener: Option<(SocketAddr, Background)>,
}

/// `/metrics` reads the recorder when scraped: nothing to take from the collector thread, nothing
/// to flush; its listener stops when the part drops.
impl Part for Serving {}

impl Settings {
    /// `/metrics` over `recorder`, its listener bound when asked for; the error names the
    /// address that could not be bound.
    pub(crate) fn start(
        &self,
        recorder: &MetricsRecorder,
        resource: &crate::resource::Resource,
    ) -> Result<Serving, (SocketAddr, std::io::Error)> {
        let handle = PrometheusHandle::new(recorder.clone(), super::target_info::labels(resource));
        let listener = match self.listener {
            Some(address) => {
                Some(listen(address, handle.clone()).map_err(|source| (address, source))?)
            }
            None => None,
        };
        Ok(Serving { handle, listener })
    }
}
