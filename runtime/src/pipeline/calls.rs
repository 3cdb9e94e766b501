//! What the collector thread keeps of an observed call's span, and the names of the lines it
//! derives for the call (`NAME.start`, `NAME.success`), made once per call site.

use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

use tracing::Metadata;

use crate::call_path::CallMetrics;
use crate::tick::Tick;

/// The field every observed call's span has first: its start line writes it after the user's
/// fields, as the span's (the `NAME.start` event of old had the user's fields only).
pub(crate) const FUNCTION: &str = "code.function.name";
/// The span field `ret` records the return value in, and the success line's field for it.
pub(crate) const RETURN: &str = "return";
/// The success line's duration.
pub(crate) const DURATION: &str = "duration_ms";

/// An observed call whose span is live.
pub(crate) struct Call {
    /// Its span's callsite: the level and target of its start and success lines.
    pub(crate) metadata: &'static Metadata<'static>,
    /// Whether the log directives let its start and success lines through.
    pub(crate) logged: bool,
    pub(crate) messages: &'static Messages,
    /// Its return value as `ret` recorded it, until the success line takes it.
    pub(crate) ret: Option<String>,
    /// When the call ended, when it did before its span (another handle kept the span open):
    /// the span's record ends then.
    pub(crate) ended: Option<Tick>,
    /// Its site's metrics, when the collector thread records them, and whether its start was
    /// counted in the in-flight gauge.
    pub(crate) metrics: Option<(&'static dyn CallMetrics, bool)>,
}

/// The events of one observed function's lines.
pub(crate) struct Messages {
    pub(crate) start: &'static str,
    pub(crate) success: &'static str,
}

/// The messages of the call whose span's callsite is `metadata` (the span is named `NAME`):
/// made once per call site and kept for the process's life, as the call site is. Each collector
/// thread thread remembers the ones it met, so a call costs it no lock.
pub(crate) fn messages(metadata: &'static Metadata<'static>) -> &'static Messages {
    thread_local! {
        static MET: RefCell<HashMap<usize, &'static Messages>> = RefCell::default();
    }
    let site = std::ptr::from_ref(metadata) as usize;
    let met = MET
        .try_with(|met| met.borrow().get(&site).copied())
        .ok()
        .flatten();
    met.unwrap_or_else(|| {
        let messages = made(site, metadata);
        let _ = MET.try_with(|met| met.borrow_mut().insert(site, messages));
        messages
    })
}

/// The messages of the call site `site`, made by whichever collector thread met it first.
fn made(site: usize, metadata: &'static Metadata<'static>) -> &'static Messages {
    static MADE: OnceLock<Mutex<HashMap<usize, &'static Messages>>> = OnceLock::new();
    let mut made = MADE
        .get_or_init(Mutex::default)
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    made.entry(site).or_insert_with(|| {
        let name = metadata.name();
        Box::leak(Box::new(Messages {
            start: format!("{name}.start").leak(),
            success: format!("{name}.success").leak(),
        }))
    })
}
