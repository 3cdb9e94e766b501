//! Which callsites tripod's subscriber records: `RUST_LOG`-style directives for log lines and
//! for traces, parsed by tracing-subscriber's `Targets` (static directives: `info,sqlx=warn`).
//! With database spans on, sqlx's statement and pool events are recorded down to DEBUG whatever
//! the directives say (they become spans and a metric), and logged only as the log directives say.

use tracing::Metadata;
use tracing::level_filters::LevelFilter;
use tracing::subscriber::Interest;
use tracing_subscriber::filter::Targets;

use crate::database::DatabaseEvent;

/// The log and trace filters.
pub(crate) struct Filters {
    logs: Targets,
    /// `None` when traces use the log filter's directives.
    traces: Option<Targets>,
    /// Whether sqlx's events are recorded for database spans.
    statements: bool,
    max_level: LevelFilter,
}

impl Filters {
    /// The filters, or `None` when a directive is not a static one (`[span{field=1}]=debug`).
    /// With `statements`, sqlx's statement and pool events at DEBUG and above are recorded too.
    pub(crate) fn parse(logs: &str, traces: &str, statements: bool) -> Option<Filters> {
        let log_filter: Targets = logs.parse().ok()?;
        let trace_filter = if logs.trim() == traces.trim() {
            None
        } else {
            Some(traces.parse::<Targets>().ok()?)
        };
        let max_level = std::iter::once(&log_filter)
            .chain(trace_filter.as_ref())
            .map(max_level)
            .chain(statements.then_some(LevelFilter::DEBUG))
            .max()
            .unwrap_or(LevelFilter::OFF);
        Some(Filters {
            logs: log_filter,
            traces: trace_filter,
            statements,
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
            || self.database_event(metadata).is_some()
    }

    /// Which of sqlx's events a callsite is, when database spans are on and it is at DEBUG or
    /// above.
    #[inline]
    pub(crate) fn database_event(&self, metadata: &Metadata<'_>) -> Option<DatabaseEvent> {
        if !self.statements || *metadata.level() > tracing::Level::DEBUG {
            return None;
        }
        DatabaseEvent::of(metadata.target())
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

    /// Whether an event is logged by the log directives.
    pub(crate) fn logs(&self, metadata: &Metadata<'_>) -> bool {
        self.logs.would_enable(metadata.target(), metadata.level())
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
        assert!(Filters::parse("info,[request{id=7}]=debug", "info", false).is_none());
        assert!(Filters::parse("info,sqlx=warn", "info", false).is_some());
    }

    #[test]
    fn the_most_verbose_directive_bounds_the_level_hint() {
        let filters = Filters::parse("warn,sqlx=debug", "info", false).unwrap();
        assert_eq!(filters.max_level(), LevelFilter::DEBUG);
        let off = Filters::parse("off", "off", false).unwrap();
        assert_eq!(off.max_level(), LevelFilter::OFF);
    }

    /// A callsite's metadata, as `tracing` hands it to subscribers.
    fn event_metadata(target: &'static str) -> &'static Metadata<'static> {
        struct Callsite;
        impl tracing::callsite::Callsite for Callsite {
            fn set_interest(&self, _: Interest) {}
            fn metadata(&self) -> &Metadata<'_> {
                unreachable!()
            }
        }
        static CALLSITE: Callsite = Callsite;
        Box::leak(Box::new(Metadata::new(
            "event",
            target,
            tracing::Level::DEBUG,
            None,
            None,
            None,
            tracing::field::FieldSet::new(&[], tracing_core::identify_callsite!(&CALLSITE)),
            tracing_core::metadata::Kind::EVENT,
        )))
    }

    #[test]
    fn with_database_spans_sqlx_debug_events_are_recorded_but_not_logged() {
        let statement = event_metadata("sqlx::query");
        let other = event_metadata("my_app::db");
        let on = Filters::parse("info", "info", true).unwrap();
        assert!(on.enabled(statement));
        assert!(!on.logs(statement), "RUST_LOG=info does not log it");
        assert_eq!(on.database_event(statement), Some(DatabaseEvent::Statement));
        assert!(!on.enabled(other));
        assert_eq!(on.max_level(), LevelFilter::DEBUG);
        let off = Filters::parse("info", "info", false).unwrap();
        assert!(!off.enabled(statement));
        assert_eq!(off.database_event(statement), None);
        let logged = Filters::parse("info,sqlx=debug", "info", true).unwrap();
        assert!(logged.logs(statement), "sqlx=debug logs it as before");
    }
}
