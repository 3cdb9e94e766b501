//! The callsites of a function's events, `NAME.start`, `NAME.success`, `NAME.failure` at each
//! level and `NAME.cancelled`, made the first time one is sent rather than as statics of every
//! observed function (its span's stays a static: it is checked on every call): eight statics
//! fewer a function, each of which cost its build time
//! (BENCHMARKS.md, build cost), for one more load where an event is dispatched. (Under tripod's
//! subscriber only a failure or a cancellation is sent: the collector thread derives the
//! others.)

use std::sync::OnceLock;
use std::sync::atomic::{AtomicU8, Ordering};

use tracing::Level;
use tracing_core::callsite::{Callsite, DefaultCallsite, Identifier};
use tracing_core::field::FieldSet;
use tracing_core::metadata::Kind;
use tracing_core::{Interest, Metadata};

/// A callsite made at run time, leaked (at most eight a call site) and registered with `tracing`,
/// whose interest is kept as `tracing`'s static callsites keep theirs.
pub(crate) struct LazyCallsite {
    metadata: OnceLock<Metadata<'static>>,
    interest: AtomicU8,
}

const NEVER: u8 = 0;
const SOMETIMES: u8 = 1;
const ALWAYS: u8 = 2;

impl Callsite for LazyCallsite {
    fn set_interest(&self, interest: Interest) {
        let interest = if interest.is_never() {
            NEVER
        } else if interest.is_always() {
            ALWAYS
        } else {
            SOMETIMES
        };
        self.interest.store(interest, Ordering::Release);
    }

    fn metadata(&self) -> &Metadata<'_> {
        // Set before the callsite is registered or handed out.
        self.metadata.get().unwrap_or(&PLACEHOLDER)
    }
}

impl LazyCallsite {
    /// The callsite's interest as the dispatchers last said it.
    pub(crate) fn interest(&self) -> Interest {
        match self.interest.load(Ordering::Acquire) {
            NEVER => Interest::never(),
            ALWAYS => Interest::always(),
            _ => Interest::sometimes(),
        }
    }
}

/// What [`LazyCallsite::metadata`] answers before its metadata is set, which nothing asks.
static PLACEHOLDER: Metadata<'static> = Metadata::new(
    "tripod lazy callsite",
    "tripod",
    Level::TRACE,
    None,
    None,
    None,
    FieldSet::new(&[], Identifier(&PLACEHOLDER_CALLSITE)),
    Kind::EVENT,
);
static PLACEHOLDER_CALLSITE: DefaultCallsite = DefaultCallsite::new(&PLACEHOLDER);

/// What the metadata of a call site's events says: their name, as `tracing`'s macros name an
/// event (`event src/lib.rs:12`), the caller's module (their target), file and line, and the
/// attribute's level (the start's and the success's).
pub struct LazyEvents {
    name: &'static str,
    module: &'static str,
    file: &'static str,
    line: u32,
    level: Level,
    /// `NAME.failure` at ERROR, WARN, INFO, DEBUG and TRACE, `NAME.cancelled` at WARN,
    /// `NAME.success`, then `NAME.start`.
    made: [OnceLock<&'static LazyCallsite>; 8],
}

impl LazyEvents {
    /// The events of the call site at `module`, `file` and `line`, observed at `level`, none made
    /// yet; `name` is `event FILE:LINE`.
    pub const fn new(
        name: &'static str,
        module: &'static str,
        file: &'static str,
        line: u32,
        level: Level,
    ) -> Self {
        LazyEvents {
            name,
            module,
            file,
            line,
            level,
            made: [const { OnceLock::new() }; 8],
        }
    }

    /// The failure callsite at `level`, with `fields`.
    pub(crate) fn failure(
        &self,
        level: Level,
        fields: &'static [&'static str],
    ) -> &'static LazyCallsite {
        let slot = match level {
            Level::ERROR => 0,
            Level::WARN => 1,
            Level::INFO => 2,
            Level::DEBUG => 3,
            _ => 4,
        };
        self.made(slot, level, fields)
    }

    /// The cancellation's callsite (WARN), with `fields`.
    pub(crate) fn cancelled(&self, fields: &'static [&'static str]) -> &'static LazyCallsite {
        self.made(5, Level::WARN, fields)
    }

    /// The start's callsite, at the attribute's level, with `fields`.
    pub(crate) fn start(&self, fields: &'static [&'static str]) -> &'static LazyCallsite {
        self.made(7, self.level, fields)
    }

    /// The success's callsite, at the attribute's level, with `fields`.
    pub(crate) fn success(&self, fields: &'static [&'static str]) -> &'static LazyCallsite {
        self.made(6, self.level, fields)
    }

    fn made(
        &self,
        slot: usize,
        level: Level,
        fields: &'static [&'static str],
    ) -> &'static LazyCallsite {
        self.made[slot].get_or_init(|| {
            let callsite: &'static LazyCallsite = Box::leak(Box::new(LazyCallsite {
                metadata: OnceLock::new(),
                interest: AtomicU8::new(SOMETIMES),
            }));
            let _ = callsite.metadata.set(Metadata::new(
                self.name,
                self.module,
                level,
                Some(self.file),
                Some(self.line),
                Some(self.module),
                FieldSet::new(fields, Identifier(callsite)),
                Kind::EVENT,
            ));
            // Asks every dispatcher for its interest (`set_interest`), as a static callsite's
            // first use does, and keeps it current when filters change.
            tracing_core::callsite::register(callsite);
            callsite
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    static EVENTS: LazyEvents = LazyEvents::new(
        "event src/db.rs:12",
        "my_app::db",
        "src/db.rs",
        12,
        Level::INFO,
    );

    #[test]
    fn a_failure_callsite_is_made_once_per_level_and_named_as_tracing_names_events() {
        let error = EVENTS.failure(Level::ERROR, &["message", "error"]);
        assert!(std::ptr::eq(
            error,
            EVENTS.failure(Level::ERROR, &["message", "error"])
        ));
        let warn = EVENTS.failure(Level::WARN, &["message", "error"]);
        assert!(!std::ptr::eq(error, warn));
        let metadata = error.metadata();
        assert_eq!(metadata.name(), "event src/db.rs:12");
        assert_eq!(metadata.target(), "my_app::db");
        assert_eq!(*metadata.level(), Level::ERROR);
        assert_eq!(*warn.metadata().level(), Level::WARN);
        assert_eq!(metadata.line(), Some(12));
        assert!(metadata.is_event());
        assert!(metadata.fields().field("error").is_some());
        assert_eq!(
            metadata.callsite(),
            Identifier(error as &'static dyn Callsite)
        );
    }

    #[test]
    fn the_cancellation_has_a_callsite_of_its_own_at_warn() {
        let cancelled = EVENTS.cancelled(&["message", "duration_ms"]);
        assert_eq!(*cancelled.metadata().level(), Level::WARN);
        assert!(!std::ptr::eq(
            cancelled,
            EVENTS.failure(Level::WARN, &["message"])
        ));
    }
}
