//! Which callsites tripod's subscriber records: `RUST_LOG`-style directives for log lines and
//! for traces, parsed by tracing-subscriber's `Targets` (static directives: `info,sqlx=warn`).

use tracing::Metadata;
use tracing::level_filters::LevelFilter;
use tracing::subscriber::Interest;
use tracing_subscriber::filter::Targets;

/// The log and trace filters.
pub(crate) struct Filters {
    logs: Targets,
    /// `None` when traces use the log filter's directives.
    traces: Option<Targets>,
    max_level: LevelFilter,
}

impl Filters {
    /// The filters, or `None` when a directive is not a static one (`[span{field=1}]=debug`).
    pub(crate) fn parse(logs: &str, traces: &str) -> Option<Filters> {
        let log_filter: Targets = logs.parse().ok()?;
        let trace_filter = if logs.trim() == traces.trim() {
            None
        } else {
            Some(traces.parse::<Targets>().ok()?)
        };
        let max_level = std::iter::once(&log_filter)
            .chain(trace_filter.as_ref())
            .map(max_level)
            .max()
            .unwrap_or(LevelFilter::OFF);
        Some(Filters {
            logs: log_filter,
            traces: trace_filter,
            max_level,
        })
    }

    /// Whether the callsite is recorded at all: as a log line or in a trace.
    pub(crate) fn interest(&self, metadata: &Metadata<'_>) -> Interest {
        if self.enabled(metadata) {
            Interest::always()
        } else {
            Interest::never()
        }
    }

    pub(crate) fn enabled(&self, metadata: &Metadata<'_>) -> bool {
        self.logs.would_enable(metadata.target(), metadata.level())
            || self
                .traces
                .as_ref()
                .is_some_and(|traces| traces.would_enable(metadata.target(), metadata.level()))
    }

    /// Whether an enabled callsite's event is logged, and whether it is traced (added to its
    /// span's record, or, for a span, captured for export). With one filter for both (the
    /// default), an enabled callsite is both, with no lookup.
    pub(crate) fn logs_and_traces(&self, metadata: &Metadata<'_>) -> (bool, bool) {
        match &self.traces {
            None => (true, true),
            Some(traces) => (
                self.logs.would_enable(metadata.target(), metadata.level()),
                traces.would_enable(metadata.target(), metadata.level()),
            ),
        }
    }

    /// Whether an enabled span is captured for export.
    pub(crate) fn traces(&self, metadata: &Metadata<'_>) -> bool {
        self.traces
            .as_ref()
            .is_none_or(|traces| traces.would_enable(metadata.target(), metadata.level()))
    }

    /// The most verbose level either filter enables anywhere.
    pub(crate) fn max_level(&self) -> LevelFilter {
        self.max_level
    }
}

fn max_level(targets: &Targets) -> LevelFilter {
    targets
        .iter()
        .map(|(_, level)| level)
        .chain(targets.default_level())
        .max()
        .unwrap_or(LevelFilter::OFF)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn directives_that_match_span_fields_are_not_static() {
        assert!(Filters::parse("info,[request{id=7}]=debug", "info").is_none());
        assert!(Filters::parse("info,sqlx=warn", "info").is_some());
    }

    #[test]
    fn the_most_verbose_directive_bounds_the_level_hint() {
        let filters = Filters::parse("warn,sqlx=debug", "info").unwrap();
        assert_eq!(filters.max_level(), LevelFilter::DEBUG);
        let off = Filters::parse("off", "off").unwrap();
        assert_eq!(off.max_level(), LevelFilter::OFF);
    }
}
