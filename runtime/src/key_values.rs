//! `key=value` lists, the format of `OTEL_RESOURCE_ATTRIBUTES` and `OTEL_EXPORTER_OTLP_HEADERS`
//! (W3C baggage's, as the OpenTelemetry specification names it): entries separated by `,`,
//! whitespace around them ignored, keys and values percent-decoded.

/// The pairs of `list`, and a description of each entry that is no `key=value` pair (naming its
/// key only, never its value: header values are secrets).
pub(crate) fn parse(list: &str) -> (Vec<(String, String)>, Vec<String>) {
    let mut pairs = Vec::new();
    let mut problems = Vec::new();
    for entry in list
        .split(',')
        .map(str::trim)
        .filter(|entry| !entry.is_empty())
    {
        match entry.split_once('=') {
            Some((key, value)) if !key.trim().is_empty() => {
                pairs.push((decode(key.trim()), decode(value.trim())));
            }
            Some(_) => problems.push("an entry without a key".to_owned()),
            None => problems.push("an entry without `=`".to_owned()),
        }
    }
    (pairs, problems)
}

/// Decodes `%XX` escapes (invalid UTF-8 becomes U+FFFD).
fn decode(value: &str) -> String {
    percent_encoding::percent_decode_str(value)
        .decode_utf8_lossy()
        .into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pairs_are_percent_decoded_and_entries_without_a_key_or_equals_sign_are_named() {
        let (pairs, problems) = parse(" team=ml%20ops , a=b=c,,=novalue,secret-only ");
        assert_eq!(
            pairs,
            [
                ("team".to_owned(), "ml ops".to_owned()),
                ("a".to_owned(), "b=c".to_owned())
            ]
        );
        assert_eq!(problems, ["an entry without a key", "an entry without `=`"]);
        assert!(problems.iter().all(|problem| !problem.contains("secret")));
    }

    proptest::proptest! {
        #[test]
        fn any_list_never_panics_and_no_problem_repeats_a_value(list in ".{0,120}") {
            let (pairs, problems) = parse(&list);
            for (key, _) in &pairs {
                proptest::prop_assert!(!key.is_empty());
            }
            for problem in &problems {
                proptest::prop_assert!(
                    problem == "an entry without a key" || problem == "an entry without `=`"
                );
            }
        }

        #[test]
        fn percent_encoded_pairs_round_trip(
            pairs in proptest::collection::vec(("[a-zA-Z][a-zA-Z0-9._-]{0,15}", "\\PC{0,20}"), 0..8),
        ) {
            let list: Vec<String> = pairs
                .iter()
                .map(|(key, value)| {
                    let value = percent_encoding::utf8_percent_encode(
                        value,
                        percent_encoding::NON_ALPHANUMERIC,
                    );
                    format!("{key}={value}")
                })
                .collect();
            let (parsed, problems) = parse(&list.join(","));
            proptest::prop_assert!(problems.is_empty());
            let expected: Vec<(String, String)> = pairs
                .iter()
                .map(|(key, value)| (key.clone(), value.clone()))
                .collect();
            proptest::prop_assert_eq!(parsed, expected);
        }
    }
}
