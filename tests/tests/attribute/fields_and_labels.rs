//! `fields(...)` go on the span and the start event, evaluated once and only when something
//! listens; `labels(...)` go on every metric; arguments not named in `fields` appear nowhere.

use crate::support;

use std::cell::Cell;

use support::{Field, capture};

#[derive(Debug)]
struct Credentials {
    user: String,
    password: String,
}

thread_local! {
    /// How often this thread evaluated a field expression (tests run on threads of their own).
    static EVALUATIONS: Cell<usize> = const { Cell::new(0) };
}

fn counted(len: usize) -> usize {
    EVALUATIONS.set(EVALUATIONS.get() + 1);
    len
}

#[tripod::observe(
    name = "auth.login",
    fields(user.name = %credentials.user, input.length = counted(credentials.password.len()), attempt = ?attempt, retry = attempt > 1),
    labels(provider = "local", tier = "gold")
)]
fn login(credentials: Credentials, attempt: u8) -> Result<String, std::io::Error> {
    // The argument is still owned here: fields borrowed it, they did not move it.
    Ok(format!("token-for-{}", credentials.user))
}

fn secret() -> Credentials {
    Credentials {
        user: "ada".into(),
        password: "hunter2-very-secret".into(),
    }
}

#[test]
fn fields_are_recorded_on_the_span_and_the_start_event_with_their_sigils() {
    let (token, telemetry, _) = capture(|| login(secret(), 2));
    assert_eq!(token.unwrap(), "token-for-ada");
    let span = telemetry.span("auth.login");
    let start = telemetry.event("auth.login.start");
    for fields in [&span.fields, &start.fields] {
        assert_eq!(
            fields["user.name"],
            Field::Debug("ada".into()),
            "% records Display"
        );
        assert_eq!(fields["input.length"], Field::U64(19));
        assert_eq!(
            fields["attempt"],
            Field::Debug("2".into()),
            "? records Debug"
        );
        assert_eq!(fields["retry"], Field::Bool(true));
    }
    // Later events carry the fields through their span.
    assert_eq!(telemetry.event("auth.login.success").span, Some(span.id));
}

#[test]
fn fields_are_evaluated_once_per_call() {
    let before = EVALUATIONS.get();
    let _ = capture(|| login(secret(), 1));
    assert_eq!(EVALUATIONS.get() - before, 1);
}

#[test]
fn arguments_not_named_in_fields_never_appear_in_any_event_or_span() {
    let (_, telemetry, _) = capture(|| login(secret(), 1));
    let everything = telemetry.all_text();
    assert!(
        everything.contains("ada"),
        "the named field is there: {everything}"
    );
    assert!(
        !everything.contains("hunter2"),
        "the password leaked: {everything}"
    );
}

#[test]
fn labels_are_added_to_every_metric_of_the_call() {
    let (_, _, metrics) = capture(|| login(secret(), 1));
    let snapshot = metrics.snapshot();
    let labels = [
        ("name", "auth.login"),
        ("provider", "local"),
        ("tier", "gold"),
    ];
    for series in snapshot.find("operation_duration_seconds", &[]) {
        assert!(
            labels
                .iter()
                .all(|l| series.labels.contains(&(l.0.into(), l.1.into()))),
            "{series:?}"
        );
    }
    assert_eq!(
        snapshot
            .histogram("operation_duration_seconds", &labels)
            .len(),
        1
    );
    assert_eq!(snapshot.gauge("operation_in_flight", &labels), 0.0);
}
