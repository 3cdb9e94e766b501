//! A real Prometheus server scrapes the `/metrics` of an app using `tripod::init()`, and PromQL
//! finds the observed function's series; `promtool check metrics` finds nothing to report.

mod support;

use std::io::{Read as _, Write as _};
use std::net::TcpStream;
use std::time::Duration;

use support::backends::{Prometheus, eventually, http_get, promtool_check_metrics};

#[tripod::observe(name = "todo.create", labels(store = "sqlite"))]
fn create(title: &str) -> Result<usize, std::io::Error> {
    if title.is_empty() {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            "empty title",
        ));
    }
    Ok(title.len())
}

// One test: the recorder and subscriber are global.
#[test]
fn prometheus_scrapes_the_observed_functions_metrics() {
    let telemetry = tripod::init()
        .environment(|_| None)
        .log_writer(std::io::sink())
        .metrics_listener(([127, 0, 0, 1], 0))
        .install()
        .expect("installs");
    let target = telemetry.metrics_address().expect("the listener runs");
    for title in ["a", "bb", "ccc", ""] {
        let _ = create(title);
    }

    // The exposition itself: HELP text and explicit buckets, and promtool is content.
    let (status, exposition) = http_get(target, "/metrics");
    assert_eq!(status, 200);
    assert!(
        exposition.contains("# HELP operation_duration_seconds "),
        "{exposition}"
    );
    assert!(exposition.contains("operation_duration_seconds_bucket{name=\"todo.create\",outcome=\"success\",store=\"sqlite\",le=\"0.005\"}"), "{exposition}");
    let (code, report) = promtool_check_metrics(&exposition);
    assert_eq!(code, 0, "promtool check metrics: {report}\n{exposition}");
    assert_eq!(http_get(target, "/nope").0, 404);

    // Slow clients hold nobody up: two connections that never finish their request stay open
    // while eight scrapers are served side by side, and are closed after the head timeout.
    let mut stalled_head = TcpStream::connect(target).unwrap();
    stalled_head.write_all(b"GET /metr").unwrap();
    let silent = TcpStream::connect(target).unwrap();
    let scrapers: Vec<_> = (0..8)
        .map(|_| std::thread::spawn(move || http_get(target, "/metrics").0))
        .collect();
    for scraper in scrapers {
        assert_eq!(scraper.join().unwrap(), 200);
    }
    for mut slow in [stalled_head, silent] {
        slow.set_read_timeout(Some(Duration::from_secs(20)))
            .unwrap();
        let mut rest = Vec::new();
        // Closed by the server (EOF, perhaps after a 408), not left open forever.
        slow.read_to_end(&mut rest)
            .expect("the server closes a connection whose head never comes");
    }

    // A real server scrapes it and answers PromQL.
    let prometheus = Prometheus::scraping(target);
    let successes = eventually(Duration::from_secs(60), || {
        let result = prometheus
            .query(r#"operation_duration_seconds_count{name="todo.create",outcome="success"}"#);
        (!result.is_empty()).then_some(result)
    })
    .expect("Prometheus scraped the series");
    assert_eq!(successes.len(), 1);
    let series = &successes[0];
    assert_eq!(series["metric"]["store"], "sqlite");
    assert_eq!(series["metric"]["job"], "app");
    assert_eq!(series["value"][1], "3");
    let errors = prometheus.query(r#"operation_errors_total{name="todo.create"}"#);
    assert_eq!(errors[0]["metric"]["error_type"], "InvalidInput");
    assert_eq!(errors[0]["value"][1], "1");
}
