//! Durations written in an attribute as a string: a whole number and a unit, `"250ms"`, `"10s"`,
//! `"2m"`, `"1h"` (as Prometheus and most configuration files spell them).

/// The units a duration may be written in, with their length in milliseconds.
const UNITS: [(&str, u64); 4] = [("ms", 1), ("s", 1_000), ("m", 60_000), ("h", 3_600_000)];

/// The milliseconds `text` stands for, or why it stands for none.
pub(crate) fn millis(text: &str) -> Result<u64, String> {
    let text = text.trim();
    let digits = text.chars().take_while(char::is_ascii_digit).count();
    let (number, unit) = text.split_at(digits);
    let expected = "expected a whole number and a unit: \"250ms\", \"10s\", \"2m\" or \"1h\"";
    if number.is_empty() {
        return Err(expected.to_owned());
    }
    let Some(&(_, scale)) = UNITS.iter().find(|(name, _)| *name == unit.trim()) else {
        return Err(expected.to_owned());
    };
    number
        .parse::<u64>()
        .ok()
        .and_then(|number| number.checked_mul(scale))
        .ok_or_else(|| "the duration is too long".to_owned())
}

#[cfg(test)]
mod tests {
    use super::millis;

    #[test]
    fn whole_numbers_with_a_unit_parse() {
        assert_eq!(millis("250ms"), Ok(250));
        assert_eq!(millis("10s"), Ok(10_000));
        assert_eq!(millis("2m"), Ok(120_000));
        assert_eq!(millis("1h"), Ok(3_600_000));
        assert_eq!(millis("0s"), Ok(0));
    }

    #[test]
    fn anything_else_is_an_error() {
        for bad in ["fast", "10", "1.5s", "ms", "10 days", "-1s", ""] {
            assert!(millis(bad).is_err(), "{bad}");
        }
        assert!(millis("99999999999999999999h").is_err());
    }
}
