//! How a log line is laid out: one JSON object (the default, for Loki and Elasticsearch), or one
//! human-readable line for a terminal (`key=value` pairs, the trace id at the end, colour only
//! when the output is a terminal).

use std::time::Duration;

use tracing::Level;

use super::json::write_string;
use super::timestamp;

/// Keys a line writes itself: a field of the same name is written as `field.<name>`, so it
/// never duplicates them.
const RESERVED: [&str; 5] = ["timestamp", "level", "event", "trace_id", "span_id"];

/// A line's layout.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Style {
    /// `{"timestamp":"…","level":"info","event":"…",…,"trace_id":"…","span_id":"…"}`
    Json,
    /// `2026-04-14T10:23:45.123Z  INFO todo.create.start user.id=42 trace_id=… span_id=…`
    Pretty {
        /// ANSI colours: only when writing to a terminal.
        ansi: bool,
    },
}

/// ANSI escapes of the pretty style.
const DIM: &[u8] = b"\x1b[2m";
const BOLD: &[u8] = b"\x1b[1m";
const RESET: &[u8] = b"\x1b[0m";

impl Style {
    /// Starts a line of an event that happened `since_epoch`.
    pub(crate) fn begin_at(self, buf: &mut Vec<u8>, level: &Level, since_epoch: Duration) {
        match self {
            Style::Json => {
                buf.extend_from_slice(b"{\"timestamp\":\"");
                timestamp::write(buf, since_epoch);
                buf.extend_from_slice(b"\",\"level\":\"");
                buf.extend_from_slice(level_name(level));
                buf.push(b'"');
            }
            Style::Pretty { ansi } => {
                if ansi {
                    buf.extend_from_slice(DIM);
                }
                timestamp::write(buf, since_epoch);
                if ansi {
                    buf.extend_from_slice(RESET);
                    buf.extend_from_slice(level_colour(level));
                }
                buf.extend_from_slice(match *level {
                    Level::ERROR => b" ERROR ",
                    Level::WARN => b"  WARN ",
                    Level::INFO => b"  INFO ",
                    Level::DEBUG => b" DEBUG ",
                    _ => b" TRACE ",
                });
                if ansi {
                    buf.extend_from_slice(RESET);
                }
            }
        }
    }

    /// The event's name (its message), already escaped as JSON string content.
    pub(crate) fn event(self, buf: &mut Vec<u8>, escaped: &[u8]) {
        match self {
            Style::Json => {
                buf.extend_from_slice(b",\"event\":\"");
                buf.extend_from_slice(escaped);
                buf.push(b'"');
            }
            Style::Pretty { ansi } => {
                if ansi {
                    buf.extend_from_slice(BOLD);
                }
                buf.extend_from_slice(escaped);
                if ansi {
                    buf.extend_from_slice(RESET);
                }
            }
        }
    }

    /// A field's key, ready for its value: `,"key":` or ` key=`.
    pub(crate) fn key(self, buf: &mut Vec<u8>, key: &str) {
        let renamed = RESERVED.contains(&key);
        match self {
            Style::Json => {
                buf.push(b',');
                if renamed {
                    buf.extend_from_slice(b"\"field.");
                    buf.extend_from_slice(key.as_bytes());
                    buf.push(b'"');
                } else {
                    write_string(buf, key);
                }
                buf.push(b':');
            }
            Style::Pretty { ansi } => {
                buf.push(b' ');
                if ansi {
                    buf.extend_from_slice(DIM);
                }
                if renamed {
                    buf.extend_from_slice(b"field.");
                }
                buf.extend_from_slice(key.as_bytes());
                buf.push(b'=');
                if ansi {
                    buf.extend_from_slice(RESET);
                }
            }
        }
    }

    /// A span field kept as JSON (`"key":value`, the key already renamed if reserved).
    pub(crate) fn span_field(self, buf: &mut Vec<u8>, json: &[u8]) {
        match self {
            Style::Json => {
                buf.push(b',');
                buf.extend_from_slice(json);
            }
            Style::Pretty { ansi } => {
                // Keys are field names: no quote or escape inside.
                let key_end = json.windows(2).position(|pair| pair == b"\":").unwrap_or(0);
                buf.push(b' ');
                if ansi {
                    buf.extend_from_slice(DIM);
                }
                buf.extend_from_slice(json.get(1..key_end).unwrap_or_default());
                buf.push(b'=');
                if ansi {
                    buf.extend_from_slice(RESET);
                }
                buf.extend_from_slice(json.get(key_end + 2..).unwrap_or_default());
            }
        }
    }

    /// Ends a line, with the trace context when the event is inside a span.
    pub(crate) fn end(self, buf: &mut Vec<u8>, ids: Option<crate::trace::SpanIds>) {
        match self {
            Style::Json => {
                if let Some(ids) = ids {
                    buf.extend_from_slice(b",\"trace_id\":\"");
                    ids.trace_id.write_hex(buf);
                    buf.extend_from_slice(b"\",\"span_id\":\"");
                    ids.span_id.write_hex(buf);
                    buf.push(b'"');
                }
                buf.extend_from_slice(b"}\n");
            }
            Style::Pretty { ansi } => {
                if let Some(ids) = ids {
                    if ansi {
                        buf.extend_from_slice(DIM);
                    }
                    buf.extend_from_slice(b" trace_id=");
                    ids.trace_id.write_hex(buf);
                    buf.extend_from_slice(b" span_id=");
                    ids.span_id.write_hex(buf);
                    if ansi {
                        buf.extend_from_slice(RESET);
                    }
                }
                buf.push(b'\n');
            }
        }
    }
}

/// The level as structlog spells it.
fn level_name(level: &Level) -> &'static [u8] {
    match *level {
        Level::TRACE => b"trace",
        Level::DEBUG => b"debug",
        Level::INFO => b"info",
        Level::WARN => b"warning",
        _ => b"error",
    }
}

fn level_colour(level: &Level) -> &'static [u8] {
    match *level {
        Level::ERROR => b"\x1b[31m",
        Level::WARN => b"\x1b[33m",
        Level::INFO => b"\x1b[32m",
        Level::DEBUG => b"\x1b[34m",
        _ => b"\x1b[35m",
    }
}

/// The key a span field is kept under: reserved names are prefixed as in event lines.
pub(crate) fn span_key(buf: &mut Vec<u8>, key: &str) {
    if RESERVED.contains(&key) {
        buf.extend_from_slice(b"\"field.");
        buf.extend_from_slice(key.as_bytes());
        buf.push(b'"');
    } else {
        write_string(buf, key);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reserved_keys_are_renamed_in_both_styles() {
        let mut json = Vec::new();
        Style::Json.key(&mut json, "level");
        Style::Json.key(&mut json, "user.id");
        assert_eq!(json, b",\"field.level\":,\"user.id\":");
        let mut pretty = Vec::new();
        Style::Pretty { ansi: false }.key(&mut pretty, "trace_id");
        Style::Pretty { ansi: false }.span_field(&mut pretty, b"\"user.id\":42");
        assert_eq!(pretty, b" field.trace_id= user.id=42");
    }

    #[test]
    fn warn_is_spelled_warning_as_structlog_does() {
        assert_eq!(level_name(&Level::WARN), b"warning");
        assert_eq!(level_name(&Level::ERROR), b"error");
    }
}
