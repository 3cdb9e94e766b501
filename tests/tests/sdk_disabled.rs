//! `OTEL_SDK_DISABLED=true`: `install()` installs nothing and starts nothing, observed functions
//! run as with nothing installed, and one line on stderr says so. Run in a child process of this
//! test binary (the ignored test `installed_while_disabled`), whose stdout and stderr the parent
//! reads.

use std::process::Command;

#[tripod::observe(name = "checkout.total", fields(items = items.len()))]
fn total(items: &[u64]) -> Result<u64, String> {
    items
        .iter()
        .try_fold(0u64, |sum, item| sum.checked_add(*item))
        .ok_or_else(|| "overflow".to_owned())
}

#[test]
#[ignore = "a child process of otel_sdk_disabled_installs_nothing_and_says_so_once_on_stderr"]
fn installed_while_disabled() {
    let telemetry = tripod::init()
        .service_name("checkout")
        .install()
        .expect("a disabled install succeeds");
    assert!(
        !tracing::dispatcher::has_been_set(),
        "no global subscriber was installed"
    );
    // Nothing holds the global recorder either: the application may install its own.
    metrics::set_global_recorder(metrics::NoopRecorder)
        .expect("no global metrics recorder was installed");
    assert_eq!(total(&[1, 2, 3]), Ok(6));
    assert_eq!(total(&[u64::MAX, 1]), Err("overflow".to_owned()));
    assert!(telemetry.render_metrics().is_none(), "no /metrics");
    assert!(telemetry.otlp_endpoint().is_none(), "nothing exported");
    assert!(telemetry.warnings().is_empty());
    assert!(telemetry.flush(std::time::Duration::from_secs(1)));
    tracing::info!("an event of the application, which nothing hears");
    drop(telemetry);
}

#[test]
fn otel_sdk_disabled_installs_nothing_and_says_so_once_on_stderr() {
    let receiver = tripod_tests::otlp_receiver::OtlpReceiver::start();
    let output = Command::new(std::env::current_exe().unwrap())
        .args([
            "installed_while_disabled",
            "--exact",
            "--ignored",
            "--test-threads=1",
            // What the child prints reaches its stdout and stderr, not the test harness.
            "--nocapture",
        ])
        .env("OTEL_SDK_DISABLED", "True")
        .env("OTEL_EXPORTER_OTLP_ENDPOINT", receiver.endpoint())
        .env("RUST_LOG", "trace")
        .output()
        .expect("the child runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stdout}\n{stderr}");
    let said: Vec<&str> = stderr
        .lines()
        .filter(|line| line.contains("OTEL_SDK_DISABLED"))
        .collect();
    assert_eq!(said.len(), 1, "{stderr}");
    assert!(said[0].contains("telemetry is off"), "{}", said[0]);
    assert!(
        !stdout.contains("checkout.total"),
        "no line was written: {stdout}"
    );
    std::thread::sleep(std::time::Duration::from_millis(300));
    assert!(receiver.spans().is_empty(), "no span was exported");
    assert!(receiver.requests().is_empty(), "nothing was exported");
}
