//! README's "Observe your own service" works pasted into new crates: the axum service and the
//! tonic service, each its `Cargo.toml` dependencies (the published `tripod` line swapped for this
//! repository's path) and its whole `src/main.rs`, built in a fresh crate outside the workspace
//! and run. A route, an unknown path and a wrong method each give a span, an access line and a
//! metric; the handler's `(StatusCode, String)` 404 is a WARN with `error.type="404"`; a health
//! check gives the tonic service an RPC span, line and metric.

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::Value;
use tripod_tests::backends::{eventually, free_port, http_get, http_request, sample};

/// The fenced blocks (TOML, then Rust) of the subsection `title` of "Observe your own service".
fn blocks(readme: &str, title: &str) -> (String, String) {
    let section = readme
        .split("## Observe your own service")
        .nth(1)
        .and_then(|rest| rest.split("\n## ").next())
        .expect("the section");
    let subsection = section
        .split(&format!("### {title}"))
        .nth(1)
        .and_then(|rest| rest.split("\n### ").next())
        .expect("the subsection");
    let block = |language: &str| {
        let fence = format!("```{language}\n");
        let start = subsection.find(&fence).expect("a fenced block") + fence.len();
        let end = subsection[start..].find("```").expect("a closing fence") + start;
        subsection[start..end].to_owned()
    };
    (block("toml"), block("rust"))
}

/// A service built from README's blocks, running, its stdout's JSON lines collected.
struct Service {
    child: Child,
    lines: Arc<Mutex<Vec<Value>>>,
    reader: Option<std::thread::JoinHandle<()>>,
}

impl Service {
    /// Builds the crate `name` of `title`'s blocks and starts it with `env`.
    fn start(title: &str, name: &str, env: &[(&str, String)]) -> Service {
        let repository = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
        let readme = std::fs::read_to_string(repository.join("README.md")).unwrap();
        let (dependencies, main) = blocks(&readme, title);
        let published = "tripod = { version = \"0.1\",";
        assert!(dependencies.contains(published), "{dependencies}");
        let dependencies = dependencies.replace(
            published,
            &format!("tripod = {{ path = {:?},", repository.join("runtime")),
        );
        let crate_dir: PathBuf =
            std::env::temp_dir().join(format!("tripod-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&crate_dir);
        std::fs::create_dir_all(crate_dir.join("src")).unwrap();
        std::fs::write(
            crate_dir.join("Cargo.toml"),
            format!(
                "[package]\nname = \"{name}\"\nversion = \"0.1.0\"\nedition = \"2024\"\n\
                 publish = false\n\n[workspace]\n\n{dependencies}"
            ),
        )
        .unwrap();
        std::fs::write(crate_dir.join("src/main.rs"), main).unwrap();
        // The workspace's lock pins the same versions: the shared target dir's builds are reused.
        std::fs::copy(repository.join("Cargo.lock"), crate_dir.join("Cargo.lock")).unwrap();
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let built = Command::new(cargo)
            .args(["build", "--quiet"])
            .current_dir(&crate_dir)
            .output()
            .expect("cargo runs");
        assert!(
            built.status.success(),
            "{title} builds:\n{}",
            String::from_utf8_lossy(&built.stderr)
        );
        let target = std::env::var("CARGO_TARGET_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(|_| crate_dir.join("target"));
        let mut child = Command::new(target.join("debug").join(name))
            .envs(env.iter().map(|(key, value)| (*key, value.as_str())))
            .env_remove("OTEL_EXPORTER_OTLP_ENDPOINT")
            .env_remove("RUST_LOG")
            .env_remove("TRIPOD_LOG_FORMAT")
            .stdout(Stdio::piped())
            .spawn()
            .expect("the service starts");
        let lines = Arc::new(Mutex::new(Vec::new()));
        let stdout = child.stdout.take().unwrap();
        let collected = lines.clone();
        let reader = std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Ok(value) = serde_json::from_str::<Value>(&line) {
                    collected.lock().unwrap().push(value);
                }
            }
        });
        let service = Service {
            child,
            lines,
            reader: Some(reader),
        };
        eventually(Duration::from_secs(30), || {
            service.events("listening").first().cloned()
        })
        .expect("the service logs where it listens");
        service
    }

    /// The lines of `event` so far.
    fn events(&self, event: &str) -> Vec<Value> {
        self.lines
            .lock()
            .unwrap()
            .iter()
            .filter(|line| line["event"] == event)
            .cloned()
            .collect()
    }

    /// Ctrl-C, as a terminal sends it; a clean exit; every line.
    fn stop(mut self) -> Vec<Value> {
        let status = Command::new("kill")
            .args(["-INT", &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
        let exit = self.child.wait().unwrap();
        assert!(exit.success(), "a clean exit on Ctrl-C: {exit}");
        if let Some(reader) = self.reader.take() {
            reader.join().unwrap();
        }
        self.lines.lock().unwrap().clone()
    }
}

impl Drop for Service {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn the_readme_axum_service_observes_every_request_in_a_fresh_crate() {
    let address: SocketAddr = format!("127.0.0.1:{}", free_port()).parse().unwrap();
    let service = Service::start(
        "An axum service",
        "own-axum-service",
        &[("ADDR", address.to_string())],
    );
    assert_eq!(
        http_get(address, "/todos/1"),
        (200, "Read the paper".to_owned())
    );
    assert_eq!(http_get(address, "/todos/2"), (404, "no todo 2".to_owned()));
    assert_eq!(http_get(address, "/nope").0, 404);
    assert_eq!(http_request(address, "DELETE", "/todos/1").0, 405);

    let (_, metrics) = http_get(address, "/metrics");
    for (series, count) in [
        (
            r#"http_requests_total{method="GET",endpoint="/todos/{id}",status_code="200"}"#,
            1.0,
        ),
        (
            r#"http_requests_total{method="GET",endpoint="/todos/{id}",status_code="404"}"#,
            1.0,
        ),
        (
            r#"http_requests_total{method="GET",endpoint="unmatched",status_code="404"}"#,
            1.0,
        ),
        (
            r#"http_requests_total{method="DELETE",endpoint="/todos/{id}",status_code="405"}"#,
            1.0,
        ),
    ] {
        assert_eq!(sample(&metrics, series), Some(count), "{series}\n{metrics}");
    }
    let (_, traces) = http_get(address, "/debug/traces");
    assert!(
        traces.contains("GET /todos/{id}"),
        "the viewer holds the spans"
    );
    let lines = service.stop();

    // Four access lines, each inside its request's span.
    let access: Vec<&Value> = lines
        .iter()
        .filter(|line| line["event"] == "http.server.request")
        .collect();
    assert_eq!(access.len(), 4, "{lines:#?}");
    let mut statuses: Vec<u64> = access
        .iter()
        .map(|line| line["http.response.status_code"].as_u64().unwrap())
        .collect();
    statuses.sort_unstable();
    assert_eq!(statuses, [200, 404, 404, 405]);
    assert!(
        access
            .iter()
            .all(|line| line["trace_id"].as_str().is_some_and(|id| id.len() == 32))
    );
    let failure = lines
        .iter()
        .find(|line| line["event"] == "todo.get.failure")
        .expect("the 404's failure line");
    assert_eq!(
        failure["level"], "warning",
        "a 404 is the caller's mistake: {failure}"
    );
    assert_eq!(failure["error.type"], "404");
    assert_eq!(failure["todo.id"], 2);
}

#[test]
fn the_readme_tonic_service_observes_every_call_in_a_fresh_crate() {
    let address: SocketAddr = format!("127.0.0.1:{}", free_port()).parse().unwrap();
    let metrics: SocketAddr = format!("127.0.0.1:{}", free_port()).parse().unwrap();
    let service = Service::start(
        "A tonic service",
        "own-tonic-service",
        &[
            ("ADDR", address.to_string()),
            ("METRICS_ADDR", metrics.to_string()),
        ],
    );
    let status = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(async {
            let channel = tonic::transport::Channel::from_shared(format!("http://{address}"))
                .unwrap()
                .connect()
                .await
                .unwrap();
            let mut client = tonic_health::pb::health_client::HealthClient::new(channel);
            client
                .check(tonic_health::pb::HealthCheckRequest {
                    service: "todo.v1.Todos".to_owned(),
                })
                .await
                .unwrap()
                .into_inner()
                .status
        });
    assert_eq!(
        status,
        tonic_health::pb::health_check_response::ServingStatus::Serving as i32
    );
    let (_, exposition) = http_get(metrics, "/metrics");
    let series = r#"rpc_server_call_duration_seconds_count{rpc_system="grpc",rpc_service="grpc.health.v1.Health",rpc_method="Check",rpc_grpc_status_code="0"}"#;
    assert_eq!(sample(&exposition, series), Some(1.0), "{exposition}");
    let lines = service.stop();
    let calls: Vec<&Value> = lines
        .iter()
        .filter(|line| line["event"] == "rpc.server.call")
        .collect();
    assert_eq!(calls.len(), 1, "{lines:#?}");
    assert_eq!(calls[0]["rpc.method"], "Check");
    assert_eq!(calls[0]["level"], "info");
    assert!(
        calls[0]["span_id"].as_str().is_some(),
        "inside the call's span"
    );
}
