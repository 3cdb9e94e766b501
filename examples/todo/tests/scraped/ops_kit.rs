//! The operations kit is checked without Docker: `promtool check config` accepts `prometheus.yml`,
//! and every PromQL query of the Grafana dashboard runs against a real Prometheus scraping the
//! running app, and returns data; the latency panels show exemplars, which that Prometheus
//! stores for their queries, and the Prometheus data source links an exemplar's `trace_id` to
//! the Jaeger data source.

use crate::common;

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
    let queries: Vec<(String, String, bool)> = dashboard["panels"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|panel| {
            let title = panel["title"].as_str().unwrap().to_owned();
            panel["targets"].as_array().unwrap().iter().map(move |t| {
                (
                    title.clone(),
                    t["expr"].as_str().unwrap().to_owned(),
                    t["exemplar"] == true,
                )
            })
        })
        .collect();
    let latency: Vec<&String> = queries
        .iter()
        .filter(|(title, _, _)| title.contains("latency") || title.contains("p99"))
        .map(|(title, _, _)| title)
        .collect();
    assert_eq!(latency.len(), 3, "p50, p99 and ML p99");
    assert!(
        queries
            .iter()
            .filter(|(title, _, _)| latency.contains(&title))
            .all(|(_, _, exemplar)| *exemplar),
        "every latency panel shows exemplars"
    );
    let datasources = std::fs::read_to_string(format!(
        "{KIT}/grafana/provisioning/datasources/datasources.yml"
    ))
    .unwrap();
    assert!(
        datasources.contains("exemplarTraceIdDestinations:\n        - name: trace_id\n          datasourceUid: jaeger")
            && datasources.contains("uid: jaeger\n    type: jaeger"),
        "an exemplar's trace_id opens the trace in the Jaeger data source: {datasources}"
    );
    assert!(
        queries.len() >= 6,
        "request rate, error rate, p50/p99, ML p99, errors by type, in flight"
    );

    let database = TempDb::new();
    let app = App::start(&database, None);
    // With the rules prometheus.yml loads: the objectives' and the model's panels read them.
    let prometheus = Prometheus::scraping_with_rules(
        app.address,
        &[
            &std::path::Path::new(KIT).join("tripod-objectives.rules.yml"),
            &std::path::Path::new(KIT).join("model.rules.yml"),
        ],
    );

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

    for (title, expr, exemplar) in &queries {
        // `query` fails the test on an invalid expression (Prometheus answers 400).
        let found = eventually(Duration::from_secs(30), || {
            Some(prometheus.query(expr)).filter(|r| !r.is_empty())
        });
        assert!(found.is_some(), "the panel {title:?} has no data: {expr}");
        if *exemplar {
            let trace_ids = eventually(Duration::from_secs(30), || {
                let ids: Vec<String> = prometheus
                    .query_exemplars(expr)
                    .iter()
                    .flat_map(|series| series["exemplars"].as_array().cloned().unwrap_or_default())
                    .filter_map(|exemplar| {
                        exemplar["labels"]["trace_id"].as_str().map(str::to_owned)
                    })
                    .collect();
                (!ids.is_empty()).then_some(ids)
            });
            let ids =
                trace_ids.unwrap_or_else(|| panic!("the panel {title:?} has no exemplar: {expr}"));
            assert!(ids.iter().all(|id| id.len() == 32), "{ids:?}");
        }
    }

    // Who was scraped: target_info, its job and instance kept as exported_* beside the
    // scraper's own, the process's metrics as ps sees them.
    let info = eventually(Duration::from_secs(30), || {
        prometheus.query("target_info").into_iter().next()
    })
    .expect("target_info is scraped");
    let labels = &info["metric"];
    assert_eq!(labels["exported_job"], "todo-app", "{info}");
    assert_eq!(
        labels["service_version"],
        env!("CARGO_PKG_VERSION"),
        "{info}"
    );
    assert_eq!(labels["process_pid"], app.pid().to_string(), "{info}");
    assert_eq!(
        labels["exported_instance"].as_str().unwrap().len(),
        36,
        "a UUID: {info}"
    );
    let sample = |promql: &str| -> f64 {
        let result = prometheus.query(promql);
        result[0]["value"][1].as_str().unwrap().parse().unwrap()
    };
    let resident = sample("process_resident_memory_bytes");
    let ps = std::process::Command::new("ps")
        .args(["-o", "rss=", "-p", &app.pid().to_string()])
        .output()
        .unwrap();
    let rss_kib: f64 = String::from_utf8(ps.stdout)
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    // Scraped up to 1 s before ps looked: within a quarter.
    assert!(
        (resident / 1024.0 - rss_kib).abs() <= rss_kib / 4.0,
        "{resident} bytes scraped, ps {rss_kib} KiB"
    );
    assert!(sample("tokio_workers") >= 1.0);
    drop(prometheus);
    app.stop();
}
