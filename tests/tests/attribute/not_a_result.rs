//! Only a `Result` can fail: generic and `impl Trait` returns, and other types, always succeed.

use crate::support;

use support::capture;

/// Looks like a result, is not one.
#[derive(Debug, PartialEq)]
enum Verdict {
    Ok,
    Err,
}

#[tripod::observe(name = "verdict")]
fn verdict() -> Verdict {
    Verdict::Err
}

#[tripod::observe(name = "generic.identity")]
fn identity<T>(value: T) -> T {
    value
}

#[tripod::observe(name = "opaque")]
fn opaque() -> impl std::fmt::Debug {
    Err::<(), _>("looks like a failure")
}

#[tripod::observe(name = "option.none")]
fn none() -> Option<u8> {
    None
}

#[test]
fn a_type_named_like_a_result_is_not_a_failure() {
    let (value, telemetry, _) = capture(verdict);
    assert_eq!(value, Verdict::Err);
    assert_eq!(telemetry.messages(), ["verdict.start", "verdict.success"]);
    assert_eq!(Verdict::Ok, Verdict::Ok);
}

#[test]
fn a_generic_return_never_counts_as_failure_even_when_it_is_an_err() {
    let (value, telemetry, metrics) = capture(|| identity(Err::<u8, &str>("no")));
    assert_eq!(value, Err("no"));
    assert_eq!(
        telemetry.messages(),
        ["generic.identity.start", "generic.identity.success"]
    );
    assert!(
        metrics
            .snapshot()
            .find("operation_errors_total", &[])
            .is_empty()
    );
}

#[test]
fn an_impl_trait_return_never_counts_as_failure() {
    let (_, telemetry, _) = capture(opaque);
    assert_eq!(telemetry.messages(), ["opaque.start", "opaque.success"]);
}

#[test]
fn an_option_none_is_a_success() {
    let (_, telemetry, _) = capture(none);
    assert_eq!(
        telemetry.messages(),
        ["option.none.start", "option.none.success"]
    );
}
