//! `objective(...)` travels with the metrics: an operation's first call sets
//! `operation_objective_ratio` for each part of its objective, at the share it asks for; an
//! `impl` block's objective applies to every method but one that declares its own.

use crate::support;

use support::capture;

#[derive(Debug)]
struct Timeout;

#[tripod::observe(
    name = "ml.inference",
    objective(success = 99.9, latency = "250ms", latency_target = 99)
)]
fn infer(fail: bool) -> Result<u8, Timeout> {
    if fail { Err(Timeout) } else { Ok(7) }
}

#[tripod::observe(name = "search.rank", objective(latency = "1s"))]
fn rank() -> u8 {
    3
}

struct Catalog;

#[tripod::observe(name = "catalog", objective(success = 99.5))]
impl Catalog {
    fn list(&self) -> Result<u8, Timeout> {
        Ok(1)
    }

    #[tripod::observe(objective(success = 95, latency = "2s", latency_target = 90))]
    fn export(&self) -> Result<u8, Timeout> {
        Ok(2)
    }
}

const OBJECTIVE: &str = "operation_objective_ratio";

#[test]
fn a_call_sets_the_share_its_objective_asks_to_succeed_and_to_finish_within_the_threshold() {
    let (_, _, metrics) = capture(|| {
        let _ = infer(false);
        let _ = infer(true);
    });
    let snapshot = metrics.snapshot();
    assert_eq!(
        snapshot.gauge(
            OBJECTIVE,
            &[("name", "ml.inference"), ("objective", "success")]
        ),
        0.999
    );
    assert_eq!(
        snapshot.gauge(
            OBJECTIVE,
            &[
                ("name", "ml.inference"),
                ("objective", "latency"),
                ("le", "0.25")
            ]
        ),
        0.99
    );
    assert_eq!(snapshot.find(OBJECTIVE, &[]).len(), 2, "one series a part");
    // The objective changes nothing else: the failure still counts as one.
    assert_eq!(
        snapshot
            .histogram(
                "operation_duration_seconds",
                &[("name", "ml.inference"), ("outcome", "failure")]
            )
            .len(),
        1
    );
}

#[test]
fn a_latency_objective_alone_asks_99_percent_within_its_threshold_spelt_as_a_bucket_bound() {
    let (_, _, metrics) = capture(rank);
    let snapshot = metrics.snapshot();
    assert_eq!(
        snapshot.gauge(
            OBJECTIVE,
            &[
                ("name", "search.rank"),
                ("objective", "latency"),
                ("le", "1.0")
            ]
        ),
        0.99
    );
    assert!(
        snapshot
            .find(OBJECTIVE, &[("objective", "success")])
            .is_empty()
    );
}

#[test]
fn an_impl_blocks_objective_applies_to_each_method_unless_the_method_declares_its_own() {
    let (_, _, metrics) = capture(|| {
        let _ = Catalog.list();
        let _ = Catalog.export();
    });
    let snapshot = metrics.snapshot();
    assert_eq!(
        snapshot.gauge(
            OBJECTIVE,
            &[("name", "catalog.list"), ("objective", "success")]
        ),
        0.995
    );
    assert!(
        snapshot
            .find(
                OBJECTIVE,
                &[("name", "catalog.list"), ("objective", "latency")]
            )
            .is_empty()
    );
    assert_eq!(
        snapshot.gauge(
            OBJECTIVE,
            &[("name", "catalog.export"), ("objective", "success")]
        ),
        0.95
    );
    assert_eq!(
        snapshot.gauge(
            OBJECTIVE,
            &[
                ("name", "catalog.export"),
                ("objective", "latency"),
                ("le", "2.0")
            ]
        ),
        0.9
    );
}
