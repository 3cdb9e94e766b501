//! What a log line takes from the spans around its event: the innermost span's ids, and the
//! fields of it and of its ancestors.

use std::sync::Arc;

use super::SpanFields;
use crate::trace::SpanIds;

/// A span as its events' log lines see it, shared by the span and the records of its events (an
/// `Arc` each, not a copy). Immutable once shared: `Span::record` makes the span a new one, so a
/// record keeps the fields as they were when its event happened.
#[derive(Clone)]
pub(crate) struct SpanLog {
    pub(crate) ids: SpanIds,
    pub(crate) fields: SpanFields,
    /// The enclosing span, as it was when this span was created.
    pub(crate) parent: Option<Arc<SpanLog>>,
}

impl SpanLog {
    /// This span, then its ancestors, innermost first.
    pub(crate) fn scope(&self) -> impl Iterator<Item = &SpanLog> {
        std::iter::successors(Some(self), |span| span.parent.as_deref())
    }
}
