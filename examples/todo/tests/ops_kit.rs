//! The operations kit is checked without Docker: `promtool check config` accepts `prometheus.yml`,
//! and every PromQL query of the Grafana dashboard runs against a real Prometheus scraping the
//! running app, and returns data.

mod common;

use std::net::SocketAddr;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{App, TempDb, free_port, request};
use serde_json::Value;

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

fn url_encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
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
    let scratch = TempDb::new();
    let data_dir = scratch.0.with_extension("prometheus");
    std::fs::create_dir_all(&data_dir).unwrap();
    let config = data_dir.join("prometheus.yml");
    std::fs::write(
        &config,
        format!(
            "global:\n  scrape_interval: 1s\nscrape_configs:\n  - job_name: todo-app\n    static_configs:\n      - targets: ['{}']\n",
            app.address
        ),
    )
    .unwrap();
    let prometheus_address: SocketAddr = ([127, 0, 0, 1], free_port()).into();
    let mut prometheus = Command::new("prometheus")
        .arg(format!("--config.file={}", config.display()))
        .arg(format!(
            "--storage.tsdb.path={}",
            data_dir.join("tsdb").display()
        ))
        .arg(format!("--web.listen-address={prometheus_address}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| {
            panic!("cannot run prometheus ({e}): run the tests with tests/run, which installs it")
        });

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

    let query = |expr: &str| -> Option<Value> {
        let path = format!("/api/v1/query?query={}", url_encode(expr));
        let response =
            std::panic::catch_unwind(|| request(prometheus_address, "GET", &path, None, &[]))
                .ok()?;
        serde_json::from_str(&response.body).ok()
    };
    for (title, expr) in &queries {
        let mut last = Value::Null;
        let found = {
            let start = Instant::now();
            loop {
                if let Some(answer) = query(expr) {
                    assert_ne!(answer["status"], "error", "{title}: {expr}: {answer}");
                    if answer["data"]["result"]
                        .as_array()
                        .is_some_and(|r| !r.is_empty())
                    {
                        break true;
                    }
                    last = answer;
                }
                if start.elapsed() > Duration::from_secs(30) {
                    break false;
                }
                std::thread::sleep(Duration::from_millis(500));
            }
        };
        assert!(
            found,
            "the panel {title:?} has no data: {expr}\nlast answer: {last}"
        );
    }
    let _ = prometheus.kill();
    let _ = prometheus.wait();
    let _ = std::fs::remove_dir_all(&data_dir);
    app.stop();
}
