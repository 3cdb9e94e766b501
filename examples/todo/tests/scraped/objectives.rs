//! Objectives, checked by the real tools: the rules beside the example's `prometheus.yml` are
//! tripod's own, `promtool` checks them and runs their unit tests (a burn that pages, one that
//! only tickets, a healthy one that stays quiet; the model's drift), and a real Prometheus
//! loading them while it scrapes the example with `TODO_FAULT_ERROR_RATE` set sees
//! `OperationErrorBudgetBurn` for `ml.inference` within a minute, and nothing for the healthy
//! operations. The app's viewer shows the same objective burning, and the model's metrics.

use crate::common;

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use common::{App, TempDb, ask, request};
use serde_json::Value;
use tripod_tests::backends::{Prometheus, eventually};

const KIT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/ops");

/// Runs `promtool` with `args`; its success and what it printed.
fn promtool(args: &[&str]) -> (bool, String) {
    let output = Command::new("promtool")
        .args(args)
        .current_dir(KIT)
        .output()
        .unwrap_or_else(|e| {
            panic!("cannot run promtool ({e}): run the tests with tests/run, which installs it")
        });
    (
        output.status.success(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        ),
    )
}

#[test]
fn the_rules_prometheus_yml_loads_are_tripods_own_and_promtool_accepts_them() {
    let beside = std::fs::read_to_string(format!("{KIT}/tripod-objectives.rules.yml")).unwrap();
    assert!(
        beside == tripod::objectives::PROMETHEUS_RULES,
        "ops/tripod-objectives.rules.yml must be tripod::objectives::PROMETHEUS_RULES: copy \
         runtime/src/objectives/prometheus_rules.yml over it"
    );
    let config = std::fs::read_to_string(format!("{KIT}/prometheus.yml")).unwrap();
    assert!(
        config.contains("rule_files:\n  - tripod-objectives.rules.yml\n  - model.rules.yml\n"),
        "{config}"
    );
    for file in ["tripod-objectives.rules.yml", "model.rules.yml"] {
        let (ok, output) = promtool(&["check", "rules", file]);
        assert!(ok, "{output}");
    }
    let rules = tripod::objectives::PROMETHEUS_RULES;
    for alert in ["OperationErrorBudgetBurn", "OperationLatencyBudgetBurn"] {
        assert_eq!(
            rules.matches(&format!("alert: {alert}\n")).count(),
            4,
            "{alert}"
        );
    }
}

#[test]
fn promtool_test_rules_pages_on_a_fast_burn_tickets_a_slow_one_and_leaves_a_healthy_one() {
    let (ok, output) = promtool(&["test", "rules", "tests/objectives_test.yml"]);
    assert!(ok && output.contains("SUCCESS"), "{output}");
}

#[test]
fn promtool_test_rules_sees_the_model_drift_from_its_training_shares() {
    let (ok, output) = promtool(&["test", "rules", "tests/model_test.yml"]);
    assert!(ok && output.contains("SUCCESS"), "{output}");
}

#[test]
fn a_real_prometheus_with_the_rules_alerts_on_ml_inference_burning_its_budget_and_not_on_the_healthy()
 {
    let database = TempDb::new();
    let app = App::start_with(&database, None, &[("TODO_FAULT_ERROR_RATE", "0.3")]);
    let prometheus = Prometheus::scraping_with_rules(
        app.address,
        &[
            &Path::new(KIT).join("tripod-objectives.rules.yml"),
            &Path::new(KIT).join("model.rules.yml"),
        ],
    );
    let started = Instant::now();
    let traffic = |until: Instant| {
        let mut predictions = 0;
        while Instant::now() < until {
            request(
                app.address,
                "POST",
                "/api/todos",
                Some(r#"{"title":"Objectives","user_id":1}"#),
                &[],
            );
            request(app.address, "GET", "/api/todos", None, &[]);
            let answer = ask(app.address, "friendly and lovely", &[]);
            assert!(matches!(answer.status, 200 | 500), "{}", answer.body);
            predictions += 1;
            std::thread::sleep(Duration::from_millis(50));
        }
        predictions
    };
    let mut alerts = Vec::new();
    let mut predictions = 0;
    while started.elapsed() < Duration::from_secs(60) {
        predictions += traffic(Instant::now() + Duration::from_secs(2));
        alerts = prometheus.alerts();
        if burning(&alerts, "ml.inference", "OperationErrorBudgetBurn") {
            break;
        }
    }
    assert!(
        burning(&alerts, "ml.inference", "OperationErrorBudgetBurn"),
        "no OperationErrorBudgetBurn for ml.inference within a minute of {predictions} \
         predictions: {alerts:#?}"
    );
    let page = alerts
        .iter()
        .find(|alert| {
            alert["labels"]["name"] == "ml.inference" && alert["labels"]["severity"] == "page"
        })
        .expect("a page for ml.inference");
    assert!(
        page["annotations"]["objective"]
            .as_str()
            .unwrap()
            .starts_with("99.9% of calls succeed"),
        "{page:#}"
    );
    assert!(
        page["annotations"]["where_to_look"]
            .as_str()
            .unwrap()
            .contains("/debug/traces?span=ml.inference&failed=1"),
        "{page:#}"
    );
    for healthy in ["todo.create", "todo.list"] {
        assert!(
            !alerts
                .iter()
                .any(|alert| alert["labels"]["name"] == healthy),
            "{healthy} is healthy: {alerts:#?}"
        );
    }
    // Every objective the example declares, as the rules read them.
    let objectives = prometheus.query("operation:objective_success:ratio");
    let names: Vec<&str> = objectives
        .iter()
        .filter_map(|series| series["metric"]["name"].as_str())
        .collect();
    for name in ["ml.inference", "api.predict", "todo.create", "todo.list"] {
        assert!(names.contains(&name), "{name} in {names:?}");
    }
    let latency = prometheus.query(r#"operation:objective_latency:ratio{name="ml.inference"}"#);
    assert_eq!(latency[0]["metric"]["le"], "0.25", "{latency:#?}");
    assert_eq!(latency[0]["value"][1], "0.99", "{latency:#?}");
    // Its `le` names the histogram's own bucket: the rules find the calls within 250 ms.
    let slow = eventually(Duration::from_secs(10), || {
        prometheus
            .query(r#"operation:latency_error_ratio:rate5m{name="ml.inference"}"#)
            .into_iter()
            .next()
    })
    .expect("ml.inference's latency error ratio is recorded");
    assert_eq!(slow["value"][1], "0", "no prediction took 250 ms: {slow:#}");
    // The model's predictions, as shares beside the training shares.
    let shares = eventually(Duration::from_secs(20), || {
        Some(prometheus.query("label:model_prediction_share:ratio_rate30m"))
            .filter(|r| r.len() == 2)
    })
    .expect("the prediction shares of both labels");
    let positive = shares
        .iter()
        .find(|series| series["metric"]["label"] == "positive")
        .unwrap();
    assert_eq!(
        positive["value"][1], "1",
        "every text was a friendly one: {shares:#?}"
    );

    // The viewer: the same objective, burning, with the traces of the failed calls.
    let viewer = request(
        app.address,
        "GET",
        "/debug/objectives",
        None,
        &[("accept", "application/json")],
    );
    assert_eq!(viewer.status, 200, "{}", viewer.body);
    let statuses: Vec<Value> = serde_json::from_str(&viewer.body).unwrap();
    let ml = statuses
        .iter()
        .find(|status| status["name"] == "ml.inference" && status["objective"] == "success")
        .unwrap_or_else(|| panic!("{statuses:#?}"));
    assert_eq!(ml["target"], 0.999);
    assert!(ml["burn_rate"].as_f64().unwrap() > 14.4, "{ml:#}");
    assert!(ml["budget_left"].as_f64().unwrap() < 0.0, "{ml:#}");
    assert!(ml["bad_calls"].as_f64().unwrap() >= 1.0, "{ml:#}");
    assert_eq!(ml["traces"], "/debug/traces?span=ml.inference&failed=1");
    let failed = request(
        app.address,
        "GET",
        "/debug/traces?span=ml.inference&failed=1",
        None,
        &[("accept", "application/json")],
    );
    let failed: Vec<Value> = serde_json::from_str(&failed.body).unwrap();
    assert!(
        !failed.is_empty() && failed.iter().all(|trace| trace["failed"] == true),
        "the failed calls' traces are listed: {failed:#?}"
    );
    let none = request(
        app.address,
        "GET",
        "/debug/traces?span=todo.list&failed=1",
        None,
        &[("accept", "application/json")],
    );
    assert_eq!(none.body, "[]", "no todo.list call failed");
    let list = statuses
        .iter()
        .find(|status| status["name"] == "todo.list" && status["objective"] == "success")
        .unwrap_or_else(|| panic!("{statuses:#?}"));
    assert_eq!(list["compliance"], 1.0, "{list:#}");
    assert_eq!(list["burn_rate"], 0.0, "{list:#}");
    let page = request(app.address, "GET", "/debug/objectives", None, &[]);
    assert!(page.body.contains("99.90% succeed"), "{}", page.body);
    drop(prometheus);
    app.stop();
}

/// Whether `alerts` has `alert` pending or firing for operation `name`.
fn burning(alerts: &[Value], name: &str, alert: &str) -> bool {
    alerts.iter().any(|one| {
        one["labels"]["alertname"] == alert
            && one["labels"]["name"] == name
            && matches!(one["state"].as_str(), Some("pending" | "firing"))
    })
}
