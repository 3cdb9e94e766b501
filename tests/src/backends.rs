//! Real backends for end-to-end tests, all on 127.0.0.1: an in-memory log writer, a tiny HTTP
//! client, the `oteltap` OTLP/HTTP receiver and a Prometheus server (both installed by `tests/run`).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::Value;

/// A log writer tests can read back.
#[derive(Clone, Default)]
pub struct MemoryLog(Arc<Mutex<Vec<u8>>>);

impl Write for MemoryLog {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl MemoryLog {
    /// Every line written so far, as text.
    pub fn text(&self) -> String {
        String::from_utf8(self.0.lock().unwrap().clone()).expect("log output is UTF-8")
    }

    /// Every line, parsed; panics on a line that is not one JSON object.
    pub fn json_lines(&self) -> Vec<Value> {
        self.text()
            .lines()
            .map(|line| {
                serde_json::from_str(line)
                    .unwrap_or_else(|e| panic!("not a JSON line ({e}): {line}"))
            })
            .collect()
    }

    /// The `event` of each line of one trace (`trace_id` in hex), in order.
    pub fn events_of_trace(&self, trace_id: &str) -> Vec<String> {
        self.json_lines()
            .iter()
            .filter(|line| line["trace_id"] == trace_id)
            .map(|line| line["event"].as_str().unwrap_or_default().to_owned())
            .collect()
    }

    /// The parsed lines whose `event` is `event`.
    pub fn events(&self, event: &str) -> Vec<Value> {
        self.json_lines()
            .into_iter()
            .filter(|line| line["event"] == event)
            .collect()
    }
}

/// A free port on 127.0.0.1 for a server a test starts, never the same one twice in a process.
///
/// The ports come from below the kernel's ephemeral range (32768 and up on Linux): a port the
/// kernel hands out for `:0` is also what it hands to outgoing connections and to the next `:0`, so
/// between this check and the server's bind another test's client or server could take it (CI saw
/// a sink's test connect to another test's sink, which then exited).
pub fn free_port() -> u16 {
    use std::sync::atomic::{AtomicU32, Ordering};
    const FIRST: u32 = 20_000;
    const COUNT: u32 = 12_000;
    static NEXT: AtomicU32 = AtomicU32::new(u32::MAX);
    // Each process starts at its own place, so two test binaries run at once rarely meet.
    let _ = NEXT.compare_exchange(
        u32::MAX,
        std::process::id().wrapping_mul(7_919) % COUNT,
        Ordering::Relaxed,
        Ordering::Relaxed,
    );
    (0..COUNT)
        .map(|_| FIRST + NEXT.fetch_add(1, Ordering::Relaxed) % COUNT)
        .map(|port| port as u16)
        .find(|&port| TcpListener::bind(("127.0.0.1", port)).is_ok())
        .expect("a free port below the ephemeral range")
}

/// The value of the sample `series` (its name and labels as the text exposition writes them) in
/// `exposition`.
pub fn sample(exposition: &str, series: &str) -> Option<f64> {
    exposition
        .lines()
        .find_map(|line| line.strip_prefix(series)?.trim().parse().ok())
}

/// `GET path` over HTTP/1.1; the status code and body.
pub fn http_get(address: SocketAddr, path: &str) -> (u16, String) {
    http_request(address, "GET", path)
}

/// `method path` over HTTP/1.1 to `address`, without a body: the status and the body.
pub fn http_request(address: SocketAddr, method: &str, path: &str) -> (u16, String) {
    let mut stream =
        TcpStream::connect_timeout(&address, Duration::from_secs(5)).expect("connects");
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    let status = response
        .split_whitespace()
        .nth(1)
        .and_then(|code| code.parse().ok())
        .unwrap_or(0);
    let (head, body) = response.split_once("\r\n\r\n").unwrap_or((&response, ""));
    let chunked = head
        .lines()
        .any(|line| line.eq_ignore_ascii_case("transfer-encoding: chunked"));
    let body = if chunked {
        dechunk(body)
    } else {
        body.to_owned()
    };
    (status, body)
}

/// A `Transfer-Encoding: chunked` body, joined.
fn dechunk(mut body: &str) -> String {
    let mut joined = String::new();
    while let Some((size, rest)) = body.split_once("\r\n") {
        let Ok(size) = usize::from_str_radix(size.trim(), 16) else {
            break;
        };
        if size == 0 || rest.len() < size {
            break;
        }
        joined.push_str(&rest[..size]);
        body = rest[size..].trim_start_matches("\r\n");
    }
    joined
}

/// Polls `f` until it returns `Some`, for at most `timeout`.
pub fn eventually<T>(timeout: Duration, mut f: impl FnMut() -> Option<T>) -> Option<T> {
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(value) = f() {
            return Some(value);
        }
        if Instant::now() >= deadline {
            return None;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// The `oteltap` OTLP/HTTP receiver, printing each received span, log record and metric as a
/// JSON line.
pub struct Oteltap {
    child: Child,
    /// The port it listens on.
    pub port: u16,
    spans: Arc<Mutex<Vec<Value>>>,
}

impl Oteltap {
    /// Starts it on a free port; panics with a hint when it is not installed.
    pub fn start() -> Oteltap {
        Oteltap::start_on(free_port())
    }

    /// Starts it on `port`.
    pub fn start_on(port: u16) -> Oteltap {
        let binary = std::env::var("TRIPOD_OTELTAP")
            .unwrap_or_else(|_| "/var/tmp/tripod-venv/bin/oteltap".into());
        let mut child = Command::new(&binary)
            .args(["--port", &port.to_string()])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| {
                panic!("cannot run {binary} ({e}): run the tests with tests/run, which installs it")
            });
        let spans = Arc::new(Mutex::new(Vec::new()));
        let stdout = child.stdout.take().unwrap();
        let sink = spans.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Ok(value) = serde_json::from_str::<Value>(&line) {
                    sink.lock().unwrap().push(value);
                }
            }
        });
        let address: SocketAddr = ([127, 0, 0, 1], port).into();
        eventually(Duration::from_secs(20), || TcpStream::connect(address).ok())
            .expect("oteltap listens");
        Oteltap { child, port, spans }
    }

    /// Its base URL, as `OTEL_EXPORTER_OTLP_ENDPOINT` takes it.
    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Every record oteltap printed: spans, log records and metrics.
    pub fn records(&self) -> Vec<Value> {
        self.spans.lock().unwrap().clone()
    }

    /// What a printed record is: `span`, `log`, `metric` (or `other`).
    pub fn kind_of(&self, record: &Value) -> &'static str {
        if record.get("severityNumber").is_some() || record.get("body").is_some() {
            "log"
        } else if ["sum", "gauge", "histogram", "exponentialHistogram"]
            .iter()
            .any(|data| record.get(data).is_some())
        {
            "metric"
        } else if record.get("traceId").is_some() && record.get("name").is_some() {
            "span"
        } else {
            "other"
        }
    }

    /// Every received record that looks like a span (has a `traceId` and a `name`).
    pub fn spans(&self) -> Vec<Value> {
        let records = self.spans.lock().unwrap().clone();
        records.into_iter().flat_map(flatten_spans).collect()
    }

    /// Every received span of one trace (`trace_id` in hex).
    pub fn spans_of(&self, trace_id: &str) -> Vec<Value> {
        self.spans()
            .into_iter()
            .filter(|span| span["traceId"] == trace_id)
            .collect()
    }

    /// Waits for a span named `name`.
    pub fn wait_for(&self, name: &str, timeout: Duration) -> Value {
        eventually(timeout, || {
            self.spans().into_iter().find(|span| span["name"] == name)
        })
        .unwrap_or_else(|| panic!("no span {name} reached oteltap; got {:#?}", self.spans()))
    }
}

/// oteltap prints one object per span; tolerate envelopes holding lists of spans too.
fn flatten_spans(value: Value) -> Vec<Value> {
    if value.get("traceId").is_some() && value.get("name").is_some() {
        return vec![value];
    }
    match value {
        Value::Object(map) => map
            .into_iter()
            .flat_map(|(_, v)| flatten_spans(v))
            .collect(),
        Value::Array(items) => items.into_iter().flat_map(flatten_spans).collect(),
        _ => Vec::new(),
    }
}

impl Drop for Oteltap {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A Prometheus server scraping one target every second (job `app`), storing exemplars.
pub struct Prometheus {
    child: Child,
    /// Where its HTTP API listens.
    pub address: SocketAddr,
    _data: TempDir,
}

impl Prometheus {
    /// Starts it scraping `target`; waits until it is ready.
    pub fn scraping(target: SocketAddr) -> Prometheus {
        Prometheus::scraping_with(target, &[])
    }

    /// Starts it scraping `target` with `features` enabled besides exemplar storage
    /// (`native-histograms`); waits until it is ready.
    pub fn scraping_with(target: SocketAddr, features: &[&str]) -> Prometheus {
        Prometheus::start(target, features, &[])
    }

    /// Starts it scraping `target` and evaluating the rule files `rules` every second; waits
    /// until it is ready.
    pub fn scraping_with_rules(target: SocketAddr, rules: &[&std::path::Path]) -> Prometheus {
        Prometheus::start(target, &[], rules)
    }

    fn start(target: SocketAddr, features: &[&str], rules: &[&std::path::Path]) -> Prometheus {
        let data = TempDir::new("prometheus");
        let config = data.0.join("prometheus.yml");
        let rule_files: String = rules
            .iter()
            .map(|path| format!("  - '{}'\n", path.display()))
            .collect();
        let rule_files = if rule_files.is_empty() {
            String::new()
        } else {
            format!("rule_files:\n{rule_files}")
        };
        std::fs::write(
            &config,
            format!(
                "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n{rule_files}scrape_configs:\n  - job_name: app\n    static_configs:\n      - targets: ['{target}']\n"
            ),
        )
        .unwrap();
        let address: SocketAddr = ([127, 0, 0, 1], free_port()).into();
        let child = Command::new("prometheus")
            .arg(format!("--config.file={}", config.display()))
            .arg(format!(
                "--storage.tsdb.path={}",
                data.0.join("tsdb").display()
            ))
            .arg(format!("--web.listen-address={address}"))
            .arg(format!(
                "--enable-feature={}",
                ["exemplar-storage"]
                    .iter()
                    .chain(features)
                    .copied()
                    .collect::<Vec<_>>()
                    .join(",")
            ))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| {
                panic!(
                    "cannot run prometheus ({e}): run the tests with tests/run, which installs it"
                )
            });
        eventually(Duration::from_secs(20), || {
            (http_get_opt(address, "/-/ready")? == 200).then_some(())
        })
        .expect("prometheus gets ready");
        Prometheus {
            child,
            address,
            _data: data,
        }
    }

    /// Runs an instant PromQL query; the `data.result` array.
    pub fn query(&self, promql: &str) -> Vec<Value> {
        let (status, body) = http_get(
            self.address,
            &format!("/api/v1/query?query={}", url_encode(promql)),
        );
        assert_eq!(status, 200, "{body}");
        let response: Value = serde_json::from_str(&body).unwrap();
        response["data"]["result"]
            .as_array()
            .cloned()
            .unwrap_or_default()
    }
}

impl Prometheus {
    /// The alerts pending or firing: each one's `labels`, `state` and `annotations`.
    pub fn alerts(&self) -> Vec<Value> {
        let (status, body) = http_get(self.address, "/api/v1/alerts");
        assert_eq!(status, 200, "{body}");
        let response: Value = serde_json::from_str(&body).unwrap();
        response["data"]["alerts"]
            .as_array()
            .cloned()
            .unwrap_or_default()
    }

    /// The exemplars stored for the series `promql` selects over the last minute: each entry's
    /// `seriesLabels` and `exemplars` (their `labels`, `value`, `timestamp`).
    pub fn query_exemplars(&self, promql: &str) -> Vec<Value> {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs();
        let (status, body) = http_get(
            self.address,
            &format!(
                "/api/v1/query_exemplars?query={}&start={}&end={}",
                url_encode(promql),
                now - 60,
                now + 1
            ),
        );
        assert_eq!(status, 200, "{body}");
        let response: Value = serde_json::from_str(&body).unwrap();
        response["data"].as_array().cloned().unwrap_or_default()
    }
}

impl Drop for Prometheus {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn http_get_opt(address: SocketAddr, path: &str) -> Option<u16> {
    let mut stream = TcpStream::connect_timeout(&address, Duration::from_secs(1)).ok()?;
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n\r\n"
    )
    .ok()?;
    let mut response = String::new();
    stream.read_to_string(&mut response).ok()?;
    response.split_whitespace().nth(1)?.parse().ok()
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

/// A directory under the system temp dir, removed on drop.
pub struct TempDir(pub std::path::PathBuf);

impl TempDir {
    /// Creates the directory.
    pub fn new(prefix: &str) -> TempDir {
        let path = std::env::temp_dir().join(format!(
            "tripod-{prefix}-{}-{}",
            std::process::id(),
            free_port()
        ));
        std::fs::create_dir_all(&path).unwrap();
        TempDir(path)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Runs `promtool check metrics` on an exposition; its exit code and output.
pub fn promtool_check_metrics(exposition: &str) -> (i32, String) {
    let mut child = Command::new("promtool")
        .args(["check", "metrics"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| {
            panic!("cannot run promtool ({e}): run the tests with tests/run, which installs it")
        });
    child
        .stdin
        .take()
        .unwrap()
        .write_all(exposition.as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    (output.status.code().unwrap_or(-1), text)
}

/// Parses an OpenMetrics exposition with a strict parser that is not tripod's: the Python
/// `prometheus-client` package's (`tests/run` installs it beside oteltap). `Ok` holds each
/// sample as the parser saw it (`name`, `labels`, `value`, and `exemplar` with its `labels`,
/// `value` and `timestamp`); `Err` the parser's complaint.
pub fn openmetrics_parse(exposition: &str) -> Result<Vec<Value>, String> {
    const SCRIPT: &str = r#"
import json, sys
from prometheus_client.openmetrics.parser import text_string_to_metric_families
samples = []
try:
    for family in text_string_to_metric_families(sys.stdin.read()):
        for s in family.samples:
            e = s.exemplar
            samples.append({"family": family.name, "type": family.type, "unit": family.unit,
                "name": s.name, "labels": s.labels, "value": s.value,
                "exemplar": None if e is None else {"labels": e.labels, "value": e.value, "timestamp": None if e.timestamp is None else float(e.timestamp)}})
except Exception as error:
    print(json.dumps({"error": f"{type(error).__name__}: {error}"}))
    sys.exit(0)
print(json.dumps({"samples": samples}))
"#;
    let python =
        std::env::var("TRIPOD_PYTHON").unwrap_or_else(|_| "/var/tmp/tripod-venv/bin/python".into());
    let mut child = Command::new(&python)
        .args(["-c", SCRIPT])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| {
            panic!("cannot run {python} ({e}): run the tests with tests/run, which installs it")
        });
    child
        .stdin
        .take()
        .unwrap()
        .write_all(exposition.as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    let answer: Value = serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "the parser printed no JSON ({e}): {}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        )
    });
    match answer.get("error") {
        Some(error) => Err(error.as_str().unwrap_or_default().to_owned()),
        None => Ok(answer["samples"].as_array().cloned().unwrap_or_default()),
    }
}
