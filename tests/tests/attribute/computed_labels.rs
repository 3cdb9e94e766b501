//! `labels(k = %expr)` (or `?expr`) gives a call's metrics a label computed on that call: every
//! metric of the call carries it, after the constant labels; it is evaluated once, by reference
//! (the body still owns the argument), and formatted only when a recorder listens. Under tripod's
//! recorder each distinct value is a series, up to the metric's label-set limit.

use crate::support;

use std::cell::Cell;
use std::fmt;

use support::capture;

struct Model {
    name: &'static str,
}

impl Model {
    fn name(&self) -> &'static str {
        FORMATTED.set(FORMATTED.get() + 1);
        self.name
    }
}

#[derive(Debug)]
enum Tier {
    Gold,
}

thread_local! {
    /// How often this thread computed a label (tests run on threads of their own).
    static FORMATTED: Cell<usize> = const { Cell::new(0) };
}

#[derive(Debug)]
struct Empty;

impl fmt::Display for Empty {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("empty input")
    }
}

#[tripod::observe(
    name = "ml.inference",
    labels(kind = "text", model_name = %model.name(), tier = ?tier)
)]
fn predict(model: Model, tier: Tier, text: &str) -> Result<usize, Empty> {
    // The body still owns the arguments the labels were computed from.
    let Model { name } = model;
    let _ = tier;
    if text.is_empty() {
        return Err(Empty);
    }
    Ok(name.len() + text.len())
}

#[tripod::observe(name = "ml.batch", labels(model_name = %model.name))]
async fn batch(model: &Model, texts: &[&str]) -> usize {
    tokio::task::yield_now().await;
    texts.len() + model.name.len()
}

fn model(name: &'static str) -> Model {
    Model { name }
}

#[test]
fn every_metric_of_a_call_carries_the_labels_computed_for_it() {
    let (_, _, metrics) = capture(|| {
        predict(model("classifier"), Tier::Gold, "great").unwrap();
        predict(model("classifier"), Tier::Gold, "").unwrap_err();
        predict(model("summariser"), Tier::Gold, "fine").unwrap();
    });
    let snapshot = metrics.snapshot();
    let labels = |model: &'static str| {
        [
            ("name", "ml.inference"),
            ("kind", "text"),
            ("model_name", model),
            ("tier", "Gold"),
        ]
    };
    let mut success = labels("classifier").to_vec();
    success.push(("outcome", "success"));
    assert_eq!(
        snapshot
            .histogram("operation_duration_seconds", &success)
            .len(),
        1
    );
    let mut failure = labels("classifier").to_vec();
    failure.push(("error_type", "Empty"));
    assert_eq!(snapshot.counter("operation_errors_total", &failure), 1);
    assert_eq!(
        snapshot.gauge("operation_in_flight", &labels("summariser")),
        0.0
    );
    let series = snapshot.find("operation_duration_seconds", &[]);
    assert_eq!(series.len(), 3, "{series:#?}");
    assert!(
        series.iter().all(|series| {
            let keys: Vec<&str> = series.labels.iter().map(|(key, _)| key.as_str()).collect();
            keys == ["name", "outcome", "kind", "model_name", "tier"]
        }),
        "constant labels first, then the computed ones: {series:#?}"
    );
}

#[test]
fn a_label_is_computed_once_per_call_and_not_at_all_when_nothing_records() {
    FORMATTED.set(0);
    let _ = predict(model("classifier"), Tier::Gold, "no recorder");
    assert_eq!(FORMATTED.get(), 1, "evaluated once, by reference");
    let _ = capture(|| predict(model("classifier"), Tier::Gold, "recorded"));
    assert_eq!(FORMATTED.get(), 2);
}

#[test]
fn async_functions_compute_labels_too_and_their_future_stays_send() {
    fn assert_send<T: Send>(value: T) -> T {
        value
    }
    let summariser = model("summariser");
    let (count, _, metrics) = support::capture_async(assert_send(batch(&summariser, &["a", "b"])));
    assert_eq!(count, 12);
    let labels = [
        ("name", "ml.batch"),
        ("model_name", "summariser"),
        ("outcome", "success"),
    ];
    assert_eq!(
        metrics
            .snapshot()
            .histogram("operation_duration_seconds", &labels)
            .len(),
        1
    );
}
