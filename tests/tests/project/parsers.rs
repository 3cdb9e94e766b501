//! The parsers of what comes from outside never panic and never let bad input through, whatever
//! the input (property tests): `traceparent` and `tracestate` as the W3C Trace Context
//! specification defines them, the sampler variables as OpenTelemetry's, and the JSON line
//! writer, which turns any text and any `Debug` value into one valid JSON object per line.

use proptest::prelude::*;
use tripod::trace::{Sampler, SpanContext, TraceState};
use tripod_tests::backends::MemoryLog;

/// Lower-case hex of `len` digits.
fn hex(len: usize) -> impl Strategy<Value = String> {
    proptest::string::string_regex(&format!("[0-9a-f]{{{len}}}")).unwrap()
}

proptest! {
    #[test]
    fn any_text_as_a_traceparent_never_panics_and_what_parses_round_trips(header in ".{0,80}") {
        if let Ok(context) = header.parse::<SpanContext>() {
            prop_assert_ne!(context.trace_id.0, 0);
            prop_assert_ne!(context.span_id.0, 0);
            let again: SpanContext = context.to_string().parse().unwrap();
            prop_assert_eq!(again, context);
        }
    }

    #[test]
    fn a_valid_traceparent_parses_to_its_ids_and_flag(
        trace in 1..=u128::MAX, span in 1..=u64::MAX, flags in 0u8..=255,
    ) {
        let header = format!("00-{trace:032x}-{span:016x}-{flags:02x}");
        let context: SpanContext = header.parse().unwrap();
        prop_assert_eq!(context.trace_id.0, trace);
        prop_assert_eq!(context.span_id.0, span);
        prop_assert_eq!(context.sampled, flags & 1 == 1);
    }

    #[test]
    fn a_traceparent_off_the_grammar_is_rejected(
        version in hex(2), trace in hex(32), span in hex(16), flags in hex(2),
        break_at in 0usize..6,
    ) {
        // Each of: upper-case hex, a digit short, a digit too many, version ff, all-zero ids,
        // something after version 00's four parts.
        let header = match break_at {
            0 => format!("{version}-{}-{span}-{flags}", trace.to_uppercase().replace(char::is_numeric, "A")),
            1 => format!("{version}-{}-{span}-{flags}", &trace[1..]),
            2 => format!("{version}-{trace}-{span}0-{flags}"),
            3 => format!("ff-{trace}-{span}-{flags}"),
            4 => format!("{version}-{}-{}-{flags}", "0".repeat(32), "0".repeat(16)),
            _ => format!("00-{trace}-{span}-{flags}-{version}"),
        };
        prop_assert!(header.parse::<SpanContext>().is_err(), "{}", header);
    }

    #[test]
    fn any_text_as_a_tracestate_never_panics_and_what_parses_round_trips(header in ".{0,200}") {
        if let Ok(state) = header.parse::<TraceState>() {
            let again: TraceState = state.as_str().parse().unwrap();
            prop_assert_eq!(&again, &state);
            prop_assert!(state.as_str().split(',').filter(|m| !m.is_empty()).count() <= 32);
        }
    }

    #[test]
    fn valid_tracestate_entries_are_kept_in_order(
        entries in proptest::collection::btree_map(
            "[a-z][a-z0-9_*/-]{0,20}",
            "[!-+\\--<>-~]([ !-+\\--<>-~]{0,30}[!-+\\--<>-~])?",
            1..=32,
        ),
    ) {
        let header: Vec<String> = entries.iter().map(|(k, v)| format!("{k}={v}")).collect();
        let state: TraceState = header.join(" , ").parse().unwrap();
        prop_assert_eq!(state.as_str(), header.join(","));
        for (key, value) in &entries {
            prop_assert_eq!(state.get(key), Some(value.as_str()));
        }
    }

    #[test]
    fn a_tracestate_of_more_than_32_entries_or_a_repeated_key_is_rejected(
        keys in proptest::collection::btree_set("[a-z]{1,8}", 33..40),
    ) {
        let many: Vec<String> = keys.iter().map(|k| format!("{k}=1")).collect();
        let many = many.join(",");
        prop_assert!(many.parse::<TraceState>().is_err());
        let first = keys.iter().next().unwrap();
        let twice = format!("{first}=1,{first}=2");
        prop_assert!(twice.parse::<TraceState>().is_err());
    }

    #[test]
    fn any_sampler_variables_never_panic_and_a_ratio_outside_zero_to_one_is_refused(
        name in prop_oneof![
            Just("traceidratio".to_owned()),
            Just("parentbased_traceidratio".to_owned()),
            Just("always_on".to_owned()),
            ".{0,30}",
        ],
        arg in proptest::option::of(prop_oneof![
            (-10.0f64..10.0).prop_map(|r| r.to_string()),
            ".{0,12}",
        ]),
    ) {
        let parsed = Sampler::from_env_values(&name, arg.as_deref());
        let ratio_ok = arg
            .as_deref()
            .is_none_or(|arg| arg.trim().parse::<f64>().is_ok_and(|r| (0.0..=1.0).contains(&r)));
        match name.trim() {
            "traceidratio" | "parentbased_traceidratio" => {
                prop_assert_eq!(parsed.is_ok(), ratio_ok, "{:?}", arg);
            }
            "always_on" => prop_assert_eq!(&parsed, &Ok(Sampler::AlwaysOn)),
            _ => {}
        }
        if let Ok(Sampler::TraceIdRatio(r) | Sampler::ParentBasedTraceIdRatio(r)) = parsed {
            prop_assert!((0.0..=1.0).contains(&r));
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn any_text_and_debug_value_give_one_valid_json_object_per_line(
        texts in proptest::collection::vec("\\PC*|[\\x00-\\x1f\"\\\\\u{7f}\u{2028}\u{2029}]{0,8}|.{0,40}", 1..8),
    ) {
        let log = MemoryLog::default();
        let telemetry = tripod::init()
            .environment(|_| None)
            .log_writer(log.clone())
            .build()
            .unwrap();
        tracing::dispatcher::with_default(telemetry.dispatch(), || {
            for text in &texts {
                tracing::info!(text = %text, debug = ?text, "json.probe");
            }
        });
        drop(telemetry);
        let out = log.text();
        let lines: Vec<&str> = out
            .lines()
            .filter(|line| line.contains(r#""event":"json.probe""#))
            .collect();
        prop_assert_eq!(lines.len(), texts.len(), "{}", out);
        for (line, text) in lines.iter().zip(&texts) {
            let value: serde_json::Value = serde_json::from_str(line)
                .map_err(|error| TestCaseError::fail(format!("{error}: {line}")))?;
            prop_assert!(value.is_object());
            prop_assert_eq!(value["text"].as_str(), Some(text.as_str()));
            let debug = format!("{text:?}");
            prop_assert_eq!(value["debug"].as_str(), Some(debug.as_str()));
        }
    }
}
