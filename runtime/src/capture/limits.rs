//! How much one captured span may hold.

/// The OpenTelemetry specification's span limits, with its defaults: past them, attributes and
/// events are dropped and counted in the exported span (`dropped_*_count`), so a long-lived span
/// holds bounded memory.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct SpanLimits {
    /// `OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT` (or `OTEL_ATTRIBUTE_COUNT_LIMIT`): 128.
    pub(crate) attributes: u32,
    /// `OTEL_SPAN_EVENT_COUNT_LIMIT`: 128.
    pub(crate) events: u32,
    /// `OTEL_EVENT_ATTRIBUTE_COUNT_LIMIT` (or `OTEL_ATTRIBUTE_COUNT_LIMIT`): 128 per event.
    pub(crate) event_attributes: u32,
    /// `OTEL_SPAN_LINK_COUNT_LIMIT`: 128.
    pub(crate) links: u32,
    /// `OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT` (or `OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT`): string
    /// values are cut to this many bytes (at a character boundary). No limit by default.
    pub(crate) value_length: Option<usize>,
}

impl Default for SpanLimits {
    fn default() -> Self {
        SpanLimits {
            attributes: 128,
            events: 128,
            event_attributes: 128,
            links: 128,
            value_length: None,
        }
    }
}
