//! JSON values as log lines write them: strings escaped eight bytes at a time, numbers through
//! itoa and ryu, into a reused buffer.

/// Writes a float as a JSON number; NaN and the infinities, which JSON has no numbers for, as
/// `null`.
pub(crate) fn write_f64(buf: &mut Vec<u8>, value: f64) {
    if value.is_finite() {
        buf.extend_from_slice(ryu::Buffer::new().format_finite(value).as_bytes());
    } else {
        buf.extend_from_slice(b"null");
    }
}

/// Writes an integer.
pub(crate) fn write_int(buf: &mut Vec<u8>, value: impl itoa::Integer) {
    buf.extend_from_slice(itoa::Buffer::new().format(value).as_bytes());
}

/// Writes `value` as a JSON string.
pub(crate) fn write_string(buf: &mut Vec<u8>, value: &str) {
    buf.push(b'"');
    escape_into(buf, value);
    buf.push(b'"');
}

/// Appends `value` escaped as JSON string content (no quotes).
pub(crate) fn escape_into(buf: &mut Vec<u8>, value: &str) {
    let bytes = value.as_bytes();
    if !needs_escape(bytes) {
        buf.extend_from_slice(bytes);
        return;
    }
    let mut start = 0;
    for (i, &byte) in bytes.iter().enumerate() {
        let escape: &[u8] = match byte {
            b'"' => b"\\\"",
            b'\\' => b"\\\\",
            b'\n' => b"\\n",
            b'\r' => b"\\r",
            b'\t' => b"\\t",
            0..=0x1f => {
                buf.extend_from_slice(&bytes[start..i]);
                const HEX: &[u8; 16] = b"0123456789abcdef";
                buf.extend_from_slice(&[
                    b'\\',
                    b'u',
                    b'0',
                    b'0',
                    HEX[(byte >> 4) as usize],
                    HEX[(byte & 0xf) as usize],
                ]);
                start = i + 1;
                continue;
            }
            _ => continue,
        };
        buf.extend_from_slice(&bytes[start..i]);
        buf.extend_from_slice(escape);
        start = i + 1;
    }
    buf.extend_from_slice(&bytes[start..]);
}

/// Whether `bytes` hold a quote, a backslash or a control character, eight bytes at a time.
fn needs_escape(bytes: &[u8]) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    // The classic SWAR tests, exact as yes/no answers: `has_zero`, some byte of `word` is 0 (so
    // after an XOR, some byte equals the XORed one); `has_below_space`, some byte is below 0x20.
    let has_zero = |word: u64| word.wrapping_sub(ONES) & !word & HIGHS != 0;
    let has_below_space = |word: u64| word.wrapping_sub(ONES * 0x20) & !word & HIGHS != 0;
    let mut chunks = bytes.chunks_exact(8);
    for chunk in &mut chunks {
        let word = u64::from_le_bytes(chunk.try_into().expect("eight bytes"));
        if has_below_space(word)
            || has_zero(word ^ (ONES * u64::from(b'"')))
            || has_zero(word ^ (ONES * u64::from(b'\\')))
        {
            return true;
        }
    }
    chunks
        .remainder()
        .iter()
        .any(|&byte| byte < 0x20 || byte == b'"' || byte == b'\\')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_are_escaped_for_json() {
        let mut buf = Vec::new();
        write_string(&mut buf, "a \"quote\", a \\ and\na\tcontrol \u{1}");
        assert_eq!(
            String::from_utf8(buf).unwrap(),
            r#""a \"quote\", a \\ and\na\tcontrol \u0001""#
        );
    }

    #[test]
    fn every_byte_that_needs_escaping_is_found_at_every_position() {
        for len in 1..20 {
            for position in 0..len {
                for byte in (0u8..0x20).chain([b'"', b'\\']) {
                    let mut text = vec![b'a'; len];
                    text[position] = byte;
                    assert!(needs_escape(&text), "{byte:#x} at {position} of {len}");
                }
                // Bytes just outside the ranges, and UTF-8 continuation bytes, need no escape.
                let clean = [b' ', b'!', b'#', b'[', b']', 0x7f, 0xc3, 0xa9];
                let text: Vec<u8> = (0..len)
                    .map(|i| clean[(i + position) % clean.len()])
                    .collect();
                assert!(!needs_escape(&text), "{text:?}");
            }
        }
    }

    #[test]
    fn non_finite_floats_become_null() {
        let mut buf = Vec::new();
        for value in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
            write_f64(&mut buf, value);
            buf.push(b',');
        }
        write_f64(&mut buf, 1.5);
        assert_eq!(String::from_utf8(buf).unwrap(), "null,null,null,1.5");
    }
}
