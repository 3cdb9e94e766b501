//! Dropping the guard flushes within its deadline; spans (and log records, and metric points)
//! still pending when it passes (a collector that accepts and never answers) are counted
//! (`reason="shutdown"`) and reported in one line per signal, and the drop returns on time.

mod support;

use std::net::TcpListener;
use std::time::{Duration, Instant};

use support::backends::MemoryLog;

#[tripod::observe(name = "work.unit")]
fn unit(i: u64) -> u64 {
    i + 1
}

// One test: the recorder is global.
#[test]
fn spans_pending_at_the_shutdown_deadline_are_counted_and_reported() {
    let hole = TcpListener::bind("127.0.0.1:0").unwrap();
    let endpoint = format!("http://{}", hole.local_addr().unwrap());
    let held = std::thread::spawn(move || {
        let connections: Vec<_> = hole.incoming().take(4).collect();
        std::thread::sleep(Duration::from_secs(5));
        drop(connections);
    });
    let log = MemoryLog::default();
    let telemetry = tripod::init()
        .environment(|_| None)
        .log_writer(log.clone())
        .otlp_endpoint(&endpoint)
        .export_timeout(Duration::from_secs(30))
        .shutdown_timeout(Duration::from_millis(300))
        .install()
        .expect("installs");
    let metrics = telemetry.prometheus_handle().unwrap().clone();
    for i in 0..7 {
        unit(i);
    }
    let started = Instant::now();
    drop(telemetry);
    // Not a speed check: without its deadline the drop would wait for the export's 30 s
    // timeout, and half of that is far from the 300 ms it is given.
    assert!(
        started.elapsed() < Duration::from_secs(15),
        "the drop kept its deadline"
    );

    let lines = log.events("tripod.export.lost_at_shutdown");
    let traces: Vec<_> = lines
        .iter()
        .filter(|line| line["signal"] == "traces")
        .collect();
    assert_eq!(traces.len(), 1, "{}", log.text());
    assert_eq!(traces[0]["spans"], 7);
    assert_eq!(traces[0]["endpoint"], format!("{endpoint}/v1/traces"));
    assert!(
        lines.iter().all(|line| {
            let signal = line["signal"].as_str().unwrap();
            line["endpoint"] == format!("{endpoint}/v1/{signal}")
        }),
        "one line per signal, each naming its endpoint: {}",
        log.text()
    );
    assert!(
        metrics
            .render()
            .contains("tripod_spans_export_failed_total{reason=\"shutdown\"} 7"),
        "{}",
        metrics.render()
    );
    drop(held);
}
