//! Trace and span ids, and the per-span record of them.

use std::cell::Cell;
use std::fmt;

use super::traceparent::SpanContext;

/// A W3C trace id: 16 random bytes, never all zero. Displays as 32 lower-case hex digits.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct TraceId(pub u128);

/// A W3C span id: 8 random bytes, never all zero. Displays as 16 lower-case hex digits.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct SpanId(pub u64);

impl fmt::Display for TraceId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:032x}", self.0)
    }
}

impl fmt::Display for SpanId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:016x}", self.0)
    }
}

impl TraceId {
    pub(crate) fn random() -> TraceId {
        TraceId((u128::from(next_random()) << 64) | u128::from(next_random()))
    }

    /// Writes the 32 hex digits into `out`.
    #[cfg(feature = "json")]
    pub(crate) fn write_hex(self, out: &mut Vec<u8>) {
        write_hex(out, self.0, 32);
    }
}

impl SpanId {
    pub(crate) fn random() -> SpanId {
        SpanId(next_random())
    }

    /// Writes the 16 hex digits into `out`.
    #[cfg(feature = "json")]
    pub(crate) fn write_hex(self, out: &mut Vec<u8>) {
        write_hex(out, u128::from(self.0), 16);
    }
}

#[cfg(feature = "json")]
fn write_hex(out: &mut Vec<u8>, value: u128, digits: usize) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut text = [0u8; 32];
    for (pair, byte) in text.chunks_exact_mut(2).zip(value.to_be_bytes()) {
        pair[0] = HEX[usize::from(byte >> 4)];
        pair[1] = HEX[usize::from(byte & 0xf)];
    }
    out.extend_from_slice(&text[32 - digits..]);
}

thread_local! {
    static STATE: Cell<u64> = Cell::new(seed());
}

/// A per-thread seed from the standard library's randomly keyed hasher.
fn seed() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u64(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos() as u64),
    );
    hasher.finish() | 1
}

/// wyrand: fast, and plenty for ids (they need uniqueness, not secrecy). Never zero.
fn next_random() -> u64 {
    STATE.with(|state| {
        loop {
            let next = state.get().wrapping_add(0xa076_1d64_78bd_642f);
            state.set(next);
            let product = u128::from(next) * u128::from(next ^ 0xe703_7ed1_a0b4_28db);
            let value = (product as u64) ^ ((product >> 64) as u64);
            if value != 0 {
                return value;
            }
        }
    })
}

/// What tripod's layer stores in each span's extensions.
#[derive(Clone, Copy, Debug)]
pub(crate) struct SpanIds {
    pub(crate) trace_id: TraceId,
    pub(crate) span_id: SpanId,
    pub(crate) parent: Option<SpanId>,
    pub(crate) parent_is_remote: bool,
    pub(crate) sampled: bool,
}

impl SpanIds {
    pub(crate) fn context(&self) -> SpanContext {
        SpanContext {
            trace_id: self.trace_id,
            span_id: self.span_id,
            sampled: self.sampled,
        }
    }

    pub(crate) fn continue_remote(&mut self, parent: SpanContext) {
        self.trace_id = parent.trace_id;
        self.parent = Some(parent.span_id);
        self.parent_is_remote = true;
        self.sampled = parent.sampled;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_hex_of_the_right_width_and_never_zero() {
        for _ in 0..1000 {
            let trace = TraceId::random();
            let span = SpanId::random();
            assert_ne!(trace.0, 0);
            assert_ne!(span.0, 0);
            #[cfg(feature = "json")]
            {
                let mut out = Vec::new();
                trace.write_hex(&mut out);
                assert_eq!(String::from_utf8(out).unwrap(), trace.to_string());
            }
            assert_eq!(trace.to_string().len(), 32);
            assert_eq!(span.to_string().len(), 16);
        }
        assert_eq!(SpanId(0xab).to_string(), "00000000000000ab");
    }

    #[test]
    fn ids_do_not_repeat() {
        let ids: std::collections::HashSet<_> = (0..10_000).map(|_| SpanId::random()).collect();
        assert_eq!(ids.len(), 10_000);
    }
}
