//! The operations kit is checked without Docker: `promtool check config` accepts `prometheus.yml`,
//! and every PromQL query of the Grafana dashboard runs against a real Prometheus scraping the
//! running app, and returns data.

mod common;

use std::process::Command;
use std::time::{Duration, Instant};

use common::{App, TempDb, request};
use serde_json::Value;
use tripod_tests::backends::{Prometheus, eventually};

const KIT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/ops");

#[test]
fn promtool_accepts_the_prometheus_config() {
    let output = Command::new("promtool")
        .args(["check", "config", &format!("{KIT}/prometheus.yml")])
        .output()
        .unwrap_or_else(|e| {
            panic!("cannot run promtool ({e}): run the tests with tests/run, which installs it")
        });
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn every_dashboard_query_returns_data_from_a_real_prometheus() {
    let dashboard: Value = serde_json::from_str(
        &std::fs::read_to_string(format!("{KIT}/grafana/dashboards/todo-app.json")).unwrap(),
    )
    .unwrap();
    let queries: Vec<(String, String)> = dashboard["panels"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|panel| {
            let title = panel["title"].as_str().unwrap().to_owned();
            panel["targets"]
                .as_array()
                .unwrap()
                .iter()
                .map(move |t| (title.clone(), t["expr"].as_str().unwrap().to_owned()))
        })
        .collect();
    assert!(
        queries.len() >= 6,
        "request rate, error rate, p50/p99, ML p99, errors by type, in flight"
    );

    let database = TempDb::new();
    let app = App::start(&database, None);
    let prometheus = Prometheus::scraping(app.address);

    // Traffic over several scrapes, so rates and quantiles have two samples to work with.
    let deadline = Instant::now() + Duration::from_secs(8);
    while Instant::now() < deadline {
        request(
            app.address,
            "POST",
            "/api/todos",
            Some(r#"{"title":"Dashboards","user_id":1}"#),
            &[],
        );
        request(app.address, "GET", "/api/todos", None, &[]);
        request(app.address, "GET", "/api/todos/424242", None, &[]);
        request(
            app.address,
            "POST",
            "/api/predict",
            Some(r#"{"text":"friendly and lovely"}"#),
            &[],
        );
        std::thread::sleep(Duration::from_millis(200));
    }

    for (title, expr) in &queries {
        // `query` fails the test on an invalid expression (Prometheus answers 400).
        let found = eventually(Duration::from_secs(30), || {
            Some(prometheus.query(expr)).filter(|r| !r.is_empty())
        });
        assert!(found.is_some(), "the panel {title:?} has no data: {expr}");
    }
    drop(prometheus);
    app.stop();
}
