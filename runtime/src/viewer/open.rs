//! Unfinished traces: the spans the collector thread holds open, copied when a page asks, grouped
//! by trace, and where each trace is now (its innermost open span).

use std::collections::HashMap;
use std::ops::Deref;
use std::sync::Weak;

use crate::capture::{OpenSpans, SpanRecord};
use crate::trace::SpanId;

/// The spans still open, ended now, by trace (none when nothing holds them).
pub(super) fn by_trace(open: Option<&Weak<dyn OpenSpans>>) -> HashMap<u128, Vec<SpanRecord>> {
    let mut traces: HashMap<u128, Vec<SpanRecord>> = HashMap::new();
    for record in open
        .and_then(Weak::upgrade)
        .map(|open| open.open_spans())
        .unwrap_or_default()
    {
        traces
            .entry(record.ids.trace_id.0)
            .or_default()
            .push(record);
    }
    traces
}

/// The innermost of the `open` spans among `records`: the one with the most ancestors among
/// them (of two as deep, the later started).
pub(super) fn innermost<'r, R: Deref<Target = SpanRecord>>(
    records: &'r [R],
    open: &[SpanId],
) -> Option<&'r SpanRecord> {
    let parent_of = |span: SpanId| {
        records
            .iter()
            .find(|record| record.ids.span_id == span)
            .and_then(|record| record.ids.parent)
    };
    records
        .iter()
        .filter(|record| open.contains(&record.ids.span_id))
        .map(|record| {
            let depth = std::iter::successors(record.ids.parent, |&span| parent_of(span))
                .take(records.len())
                .count();
            (depth, record.start, &**record)
        })
        .max_by_key(|&(depth, start, _)| (depth, start))
        .map(|(_, _, record)| record)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::capture::SpanLimits;
    use crate::trace::{SpanIds, TraceId};

    fn span(id: u64, parent: Option<u64>, name: &'static str) -> SpanRecord {
        let ids = SpanIds {
            trace_id: TraceId(1),
            span_id: SpanId(id),
            parent: parent.map(SpanId),
            parent_is_remote: false,
            sampled: true,
        };
        SpanRecord::new(ids, name, 0, SpanLimits::default())
    }

    #[test]
    fn the_innermost_open_span_is_the_deepest_whatever_their_order() {
        let records = [
            span(3, Some(2), "ml.inference"),
            span(1, None, "POST /api/predict"),
            span(2, Some(1), "api.predict"),
            span(4, Some(2), "db.query"),
        ];
        let refs: Vec<&SpanRecord> = records.iter().collect();
        let open = [SpanId(1), SpanId(2), SpanId(3)];
        let inner = innermost(&refs, &open).unwrap();
        assert_eq!(
            inner.text(&inner.name),
            "ml.inference",
            "db.query is as deep, but finished"
        );
        assert!(innermost(&refs, &[]).is_none());
    }
}
