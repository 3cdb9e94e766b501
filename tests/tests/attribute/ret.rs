//! `ret` records the returned value (Debug) on the span and the success event.

use crate::support;

use support::capture;

#[derive(Debug, Clone, Copy, PartialEq)]
struct Label {
    name: &'static str,
    score: f32,
}

#[tripod::observe(name = "ml.classify", ret)]
fn classify(text: &str) -> Result<Label, std::fmt::Error> {
    if text.is_empty() {
        return Err(std::fmt::Error);
    }
    Ok(Label {
        name: "positive",
        score: 0.5,
    })
}

#[tripod::observe(name = "no.ret")]
fn no_ret() -> u32 {
    7
}

#[test]
fn ret_records_the_value_on_the_success_event_and_the_span() {
    let (_, telemetry, _) = capture(|| classify("great"));
    let expected = r#"Ok(Label { name: "positive", score: 0.5 })"#;
    assert_eq!(
        telemetry
            .event("ml.classify.success")
            .field("return")
            .unwrap()
            .text(),
        expected
    );
    assert_eq!(
        telemetry.span("ml.classify").fields["return"].text(),
        expected
    );
}

#[test]
fn ret_records_nothing_for_a_failure() {
    let (_, telemetry, _) = capture(|| classify(""));
    assert_eq!(telemetry.event("ml.classify.failure").field("return"), None);
    assert!(!telemetry.span("ml.classify").fields.contains_key("return"));
}

#[test]
fn without_ret_the_value_is_not_recorded() {
    let (_, telemetry, _) = capture(no_ret);
    assert_eq!(telemetry.event("no.ret.success").field("return"), None);
    assert!(
        !telemetry
            .all_text()
            .lines()
            .any(|line| line.ends_with("=7")),
        "the value 7 was recorded"
    );
}
