//! `/metrics` holds only series a dashboard can use: a synchronous function has no
//! `outcome="cancelled"` series, a function that cannot fail (no `Result` return, whatever its
//! alias) no `outcome="failure"` series, and a `panic` series appears with the first panic.
//! Checked in the rendered Prometheus exposition of the global recorder.

#[tripod::observe(name = "total")]
fn total(items: &[u32]) -> u32 {
    items.iter().sum()
}

#[tripod::observe(name = "parse")]
fn parse(text: &str) -> Result<u32, std::num::ParseIntError> {
    text.parse()
}

#[tripod::observe(name = "read")]
fn read(path: &str) -> std::io::Result<String> {
    std::fs::read_to_string(path)
}

#[tripod::observe(name = "fetch")]
async fn fetch(id: u32) -> Result<u32, std::io::Error> {
    tokio::task::yield_now().await;
    Ok(id)
}

#[tripod::observe(name = "tick")]
async fn tick() {
    tokio::task::yield_now().await;
}

#[tripod::observe(name = "explode")]
fn explode(now: bool) -> u32 {
    if now {
        panic!("boom");
    }
    1
}

fn outcomes(exposition: &str, name: &str) -> Vec<String> {
    let mut outcomes: Vec<String> = exposition
        .lines()
        .filter(|line| line.starts_with("operation_duration_seconds_count{"))
        .filter(|line| line.contains(&format!("name=\"{name}\"")))
        .filter_map(|line| {
            let start = line.find("outcome=\"")? + "outcome=\"".len();
            let end = line[start..].find('"')? + start;
            Some(line[start..end].to_owned())
        })
        .collect();
    outcomes.sort();
    outcomes
}

// One test: the recorder is global.
#[test]
fn only_outcomes_a_function_can_have_get_series() {
    let telemetry = tripod::init()
        .environment(|_| None)
        .log_writer(std::io::sink())
        .install()
        .expect("installs");
    assert_eq!(total(&[1, 2]), 3);
    assert_eq!(parse("7"), Ok(7));
    assert!(read("/nonexistent/tripod").is_err());
    tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap()
        .block_on(async {
            assert_eq!(fetch(1).await.unwrap(), 1);
            tick().await;
        });
    assert_eq!(explode(false), 1);

    let exposition = telemetry.render_metrics().unwrap();
    assert_eq!(outcomes(&exposition, "total"), ["success"], "{exposition}");
    assert_eq!(outcomes(&exposition, "parse"), ["failure", "success"]);
    assert_eq!(
        outcomes(&exposition, "read"),
        ["failure", "success"],
        "io::Result is a Result"
    );
    assert_eq!(
        outcomes(&exposition, "fetch"),
        ["cancelled", "failure", "success"]
    );
    assert_eq!(outcomes(&exposition, "tick"), ["cancelled", "success"]);
    assert_eq!(outcomes(&exposition, "explode"), ["success"]);
    assert!(
        !exposition.contains("operation_errors_total{name=\"total\""),
        "no error series for a function that has not failed"
    );

    assert!(std::panic::catch_unwind(|| explode(true)).is_err());
    let exposition = telemetry.render_metrics().unwrap();
    assert_eq!(outcomes(&exposition, "explode"), ["panic", "success"]);
    assert!(exposition.contains("operation_errors_total{name=\"explode\",error_type=\"panic\"} 1"));
}
