//! Trace and span ids: random, never zero, written as lower-case hex.

use std::cell::Cell;
use std::fmt;

/// A W3C trace id: 16 random bytes, never all zero. Displays as 32 lower-case hex digits.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct TraceId(pub u128);

/// A W3C span id: 8 random bytes, never all zero. Displays as 16 lower-case hex digits.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct SpanId(pub u64);

impl fmt::Display for TraceId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(hex_str(&hex16((self.0 >> 64) as u64)))?;
        f.write_str(hex_str(&hex16(self.0 as u64)))
    }
}

impl fmt::Display for SpanId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(hex_str(&hex16(self.0)))
    }
}

impl TraceId {
    pub(crate) fn random() -> TraceId {
        TraceId((u128::from(next_random()) << 64) | u128::from(next_random()))
    }

    /// Writes the 32 hex digits into `out`.
    pub(crate) fn write_hex(self, out: &mut Vec<u8>) {
        out.extend_from_slice(&hex16((self.0 >> 64) as u64));
        out.extend_from_slice(&hex16(self.0 as u64));
    }
}

impl SpanId {
    pub(crate) fn random() -> SpanId {
        SpanId(next_random())
    }

    /// Writes the 16 hex digits into `out`.
    pub(crate) fn write_hex(self, out: &mut Vec<u8>) {
        out.extend_from_slice(&hex16(self.0));
    }
}

/// Hex digits as text: `hex16` writes ASCII only.
fn hex_str(digits: &[u8; 16]) -> &str {
    std::str::from_utf8(digits).unwrap_or_default()
}

/// `value` as 16 lower-case hex digits, computed eight at a time in a `u64` (each nibble spread
/// into a byte, then `0`–`9` and `a`–`f` added at once).
fn hex16(value: u64) -> [u8; 16] {
    fn eight(nibbles: u32) -> [u8; 8] {
        let mut x = u64::from(nibbles);
        x = (x | (x << 16)) & 0x0000_ffff_0000_ffff;
        x = (x | (x << 8)) & 0x00ff_00ff_00ff_00ff;
        x = (x | (x << 4)) & 0x0f0f_0f0f_0f0f_0f0f;
        // 1 in each byte whose nibble is 10 or more.
        let letters = ((x + 0x0606_0606_0606_0606) >> 4) & 0x0101_0101_0101_0101;
        (x + 0x3030_3030_3030_3030 + letters * u64::from(b'a' - b'0' - 10)).to_be_bytes()
    }
    let mut text = [0u8; 16];
    text[..8].copy_from_slice(&eight((value >> 32) as u32));
    text[8..].copy_from_slice(&eight(value as u32));
    text
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
            {
                let mut out = Vec::new();
                trace.write_hex(&mut out);
                assert_eq!(String::from_utf8(out).unwrap(), trace.to_string());
                let mut out = Vec::new();
                span.write_hex(&mut out);
                assert_eq!(String::from_utf8(out).unwrap(), span.to_string());
            }
            assert_eq!(trace.to_string(), format!("{:032x}", trace.0));
            assert_eq!(span.to_string(), format!("{:016x}", span.0));
        }
        assert_eq!(SpanId(0xab).to_string(), "00000000000000ab");
        for value in [
            0,
            1,
            9,
            10,
            15,
            0x0123_4567_89ab_cdef,
            u64::MAX,
            0xa0a0_9f9f_0000_ffff,
        ] {
            assert_eq!(
                hex16(value),
                format!("{value:016x}").as_bytes(),
                "{value:#x}"
            );
        }
    }

    #[test]
    fn ids_do_not_repeat() {
        let ids: std::collections::HashSet<_> = (0..10_000).map(|_| SpanId::random()).collect();
        assert_eq!(ids.len(), 10_000);
    }
}
