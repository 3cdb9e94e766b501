//! The W3C `tracestate` header: vendors' `key=value` entries that travel with a trace.

use std::fmt;
use std::str::FromStr;
use std::sync::Arc;

/// At most this many entries, per the W3C Trace Context specification.
const MAX_ENTRIES: usize = 32;

/// The vendor entries a trace carries (`tracestate: congo=t61rcWkgMzE,rojo=00f067aa0ba902b7`).
/// tripod does not interpret them: a server span takes its caller's, its children inherit them,
/// they are exported as each span's `trace_state` and sent on with outgoing requests. Cloning is
/// a reference count.
///
/// A header that breaks the specification's grammar (more than 32 entries, a key or value out of
/// its alphabet, a key twice) is discarded whole, as the specification asks, and the trace goes
/// on without it.
///
/// ```
/// use tripod::trace::TraceState;
///
/// let state: TraceState = "rojo=00f067aa0ba902b7, congo=t61rcWkgMzE".parse().unwrap();
/// assert_eq!(state.as_str(), "rojo=00f067aa0ba902b7,congo=t61rcWkgMzE");
/// assert_eq!(state.get("congo"), Some("t61rcWkgMzE"));
/// assert!("Bad Key=1".parse::<TraceState>().is_err());
/// assert!(TraceState::default().is_empty());
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct TraceState(Option<Arc<str>>);

/// Why a `tracestate` header was discarded.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TraceStateError {
    /// An entry is not `key=value` within the specification's alphabets and lengths.
    #[error("tracestate entry {0:?} is not a valid `key=value` list member")]
    InvalidEntry(String),
    /// More than 32 entries.
    #[error("tracestate has more than 32 entries")]
    TooManyEntries,
    /// The same key twice.
    #[error("tracestate has the key {0:?} twice")]
    DuplicateKey(String),
}

impl TraceState {
    /// The entries as one header value (`key=value` joined by `,`), empty when there are none.
    pub fn as_str(&self) -> &str {
        self.0.as_deref().unwrap_or_default()
    }

    /// Whether there are no entries.
    pub fn is_empty(&self) -> bool {
        self.0.is_none()
    }

    /// The value of `key`, if present.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.as_str()
            .split(',')
            .filter_map(|entry| entry.split_once('='))
            .find_map(|(k, v)| (k == key).then_some(v))
    }
}

impl FromStr for TraceState {
    type Err = TraceStateError;

    /// Parses a header value; several `tracestate` headers are one value joined by `,`. Blank
    /// members are skipped, spaces around members trimmed.
    fn from_str(header: &str) -> Result<Self, Self::Err> {
        let mut keys: Vec<&str> = Vec::new();
        let mut normalized = String::with_capacity(header.len());
        for member in header.split(',') {
            let member = member.trim_matches([' ', '\t']);
            if member.is_empty() {
                continue;
            }
            let Some((key, value)) = member.split_once('=') else {
                return Err(TraceStateError::InvalidEntry(member.to_owned()));
            };
            if !valid_key(key) || !valid_value(value) {
                return Err(TraceStateError::InvalidEntry(member.to_owned()));
            }
            if keys.contains(&key) {
                return Err(TraceStateError::DuplicateKey(key.to_owned()));
            }
            keys.push(key);
            if keys.len() > MAX_ENTRIES {
                return Err(TraceStateError::TooManyEntries);
            }
            if !normalized.is_empty() {
                normalized.push(',');
            }
            normalized.push_str(member);
        }
        Ok(TraceState(
            (!normalized.is_empty()).then(|| Arc::from(normalized)),
        ))
    }
}

impl fmt::Display for TraceState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// `simple-key` or `tenant-id@system-id`: lower-case letters, digits and `_-*/`, starting with a
/// letter (a digit may start a tenant id), at most 256 characters (241 `@` 14 for multi-tenant).
fn valid_key(key: &str) -> bool {
    fn body(part: &str) -> bool {
        part.bytes().all(|b| {
            b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'_' | b'-' | b'*' | b'/')
        })
    }
    let starts = |part: &str, digit_ok: bool| {
        part.bytes()
            .next()
            .is_some_and(|b| b.is_ascii_lowercase() || (digit_ok && b.is_ascii_digit()))
    };
    match key.split_once('@') {
        None => key.len() <= 256 && starts(key, false) && body(key),
        Some((tenant, system)) => {
            tenant.len() <= 241
                && system.len() <= 14
                && starts(tenant, true)
                && starts(system, false)
                && body(tenant)
                && body(system)
        }
    }
}

/// Printable ASCII but `,` and `=`, at most 256 characters, not ending in a space.
fn valid_value(value: &str) -> bool {
    !value.is_empty()
        && value.len() <= 256
        && !value.ends_with(' ')
        && value
            .bytes()
            .all(|b| (0x20..=0x7e).contains(&b) && b != b',' && b != b'=')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn valid_lists_are_kept_in_order_without_blank_members() {
        let state: TraceState = " a=1 ,, tenant@vendor=x y ,b=2".parse().unwrap();
        assert_eq!(state.as_str(), "a=1,tenant@vendor=x y,b=2");
        assert_eq!(state.get("tenant@vendor"), Some("x y"));
        assert_eq!(state.get("c"), None);
        assert!("".parse::<TraceState>().unwrap().is_empty());
    }

    #[test]
    fn lists_breaking_the_grammar_are_discarded() {
        for bad in ["A=1", "a", "a=", "a=b=c", "1a=x", "a=1,a=2", "a=x\u{7f}"] {
            assert!(bad.parse::<TraceState>().is_err(), "{bad:?}");
        }
        let many = (0..33)
            .map(|i| format!("k{i}=v"))
            .collect::<Vec<_>>()
            .join(",");
        assert_eq!(
            many.parse::<TraceState>(),
            Err(TraceStateError::TooManyEntries)
        );
        let key = "k".repeat(257);
        assert!(format!("{key}=v").parse::<TraceState>().is_err());
    }
}
