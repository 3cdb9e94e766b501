//! Helpers shared by the example's tests: a fresh app on a temporary SQLite file, and requests.
#![allow(dead_code, unreachable_pub)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use serde_json::Value;
use todo_app::db::{self, Todos};
use todo_app::predictor::Predictor;
use todo_app::{AppState, app};
use tower::ServiceExt;
use tripod_tests::backends::eventually;

/// A database file removed when dropped.
pub struct TempDb(pub PathBuf);

impl TempDb {
    /// A new, unused path.
    pub fn new() -> TempDb {
        static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        TempDb(std::env::temp_dir().join(format!("todo-test-{}-{n}.db", std::process::id())))
    }

    /// Its sqlx URL.
    pub fn url(&self) -> String {
        format!("sqlite://{}?mode=rwc", self.0.display())
    }
}

impl Drop for TempDb {
    fn drop(&mut self) {
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", self.0.display()));
        }
    }
}

/// The app on a fresh database.
pub async fn fresh_app(db: &TempDb) -> (Router, Todos) {
    let todos = Todos::new(db::connect(&db.url()).await.expect("the database opens"));
    let router = app(AppState {
        todos: todos.clone(),
        predictor: Predictor::shipped(),
    });
    (router, todos)
}

/// Sends a request; the status and the body as JSON (`Value::Null` for an empty body).
pub async fn send(
    app: &Router,
    method: &str,
    uri: &str,
    body: Option<&str>,
) -> (StatusCode, Value) {
    let mut request = Request::builder().method(method).uri(uri);
    if body.is_some() {
        request = request.header("content-type", "application/json");
    }
    let request = request
        .body(body.map_or_else(Body::empty, |b| Body::from(b.to_owned())))
        .unwrap();
    let response = app.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let bytes = axum::body::to_bytes(response.into_body(), 1 << 20)
        .await
        .unwrap();
    let value = if bytes.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(&bytes).expect("JSON body")
    };
    (status, value)
}

/// An HTTP response.
pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Response {
    /// A header's value.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }
}

/// Asks the model about `text` (`POST /api/predict`), expecting a 200.
pub fn predict(address: SocketAddr, text: &str) -> Response {
    let answer = ask(address, text, &[]);
    assert_eq!(answer.status, 200, "{}", answer.body);
    answer
}

/// Asks the model about `text` (`POST /api/predict`) with `headers`, whatever it answers (the
/// faults asked for may make it fail).
pub fn ask(address: SocketAddr, text: &str, headers: &[(&str, &str)]) -> Response {
    let body = serde_json::json!({ "text": text }).to_string();
    request(address, "POST", "/api/predict", Some(&body), headers)
}

/// `POST /api/todos` creating "Read paper" for user 42, the example's first request; its answer,
/// checked to be a 201.
pub fn create_todo(address: SocketAddr) -> Response {
    let created = request(
        address,
        "POST",
        "/api/todos",
        Some(r#"{"title":"Read paper","user_id":42}"#),
        &[],
    );
    assert_eq!(created.status, 201, "{}", created.body);
    created
}

/// Sends one request over a fresh connection.
pub fn request(
    address: SocketAddr,
    method: &str,
    path: &str,
    body: Option<&str>,
    extra: &[(&str, &str)],
) -> Response {
    let mut stream =
        TcpStream::connect_timeout(&address, Duration::from_secs(5)).expect("connects");
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let mut head = format!("{method} {path} HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n");
    for (key, value) in extra {
        head.push_str(&format!("{key}: {value}\r\n"));
    }
    if let Some(body) = body {
        head.push_str(&format!(
            "Content-Type: application/json\r\nContent-Length: {}\r\n",
            body.len()
        ));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).unwrap();
    if let Some(body) = body {
        stream.write_all(body.as_bytes()).unwrap();
    }
    let mut raw = String::new();
    stream.read_to_string(&mut raw).unwrap();
    let (head, body) = raw.split_once("\r\n\r\n").unwrap_or((&raw, ""));
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|line| line.split_whitespace().nth(1))
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let headers = lines
        .filter_map(|line| line.split_once(": "))
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
    Response {
        status,
        headers,
        body: body.to_owned(),
    }
}

/// Collects the JSON lines `output` prints, on a thread that ends at the end of `output`.
pub fn collect_json_lines(
    output: impl Read + Send + 'static,
    into: Arc<Mutex<Vec<Value>>>,
) -> std::thread::JoinHandle<()> {
    std::thread::spawn(move || {
        for line in BufReader::new(output).lines().map_while(Result::ok) {
            if let Ok(value) = serde_json::from_str::<Value>(&line) {
                into.lock().unwrap().push(value);
            }
        }
    })
}

/// The app binary, its stdout JSON lines collected.
pub struct App {
    child: Child,
    /// Where it listens.
    pub address: SocketAddr,
    logs: Arc<Mutex<Vec<Value>>>,
    reader: Option<std::thread::JoinHandle<()>>,
}

impl App {
    /// Starts the binary on a free port.
    pub fn start(database: &TempDb, otlp: Option<String>) -> App {
        App::start_with(database, otlp, &[])
    }

    /// Starts the binary on a free port with more environment variables. The app binds port 0
    /// and its `server.started` line says which port it got: a port picked here and bound later
    /// could be taken meanwhile by another test's server, which the readiness check would then
    /// reach instead (a connection reset by a receiver that speaks no HTTP/1.1).
    pub fn start_with(database: &TempDb, otlp: Option<String>, env: &[(&str, &str)]) -> App {
        let mut command = Command::new(env!("CARGO_BIN_EXE_todo-app"));
        command
            .env("TODO_ADDR", "127.0.0.1:0")
            .env("DATABASE_URL", database.url())
            .env("RUST_LOG", "info")
            .env_remove("TRIPOD_LOG_FORMAT")
            .env_remove("OTEL_EXPORTER_OTLP_ENDPOINT")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit());
        if let Some(endpoint) = otlp {
            command.env("OTEL_EXPORTER_OTLP_ENDPOINT", endpoint);
        }
        command.envs(env.iter().copied());
        let mut child = command.spawn().expect("the app starts");
        let logs = Arc::new(Mutex::new(Vec::new()));
        let reader = collect_json_lines(child.stdout.take().unwrap(), logs.clone());
        let address = eventually(Duration::from_secs(30), || {
            logs.lock()
                .unwrap()
                .iter()
                .find(|line| line["event"] == "server.started")
                .and_then(|line| line["address"].as_str()?.parse::<SocketAddr>().ok())
        })
        .expect("the app logs the address it listens on");
        App {
            child,
            address,
            logs,
            reader: Some(reader),
        }
    }

    /// Its process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// The JSON lines it logged so far.
    pub fn lines(&self) -> Vec<Value> {
        self.logs.lock().unwrap().clone()
    }

    /// SIGTERM, then waits for a clean exit; every JSON line it logged.
    pub fn stop(mut self) -> Vec<Value> {
        let status = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Some(exit) = self.child.try_wait().unwrap() {
                assert!(exit.success(), "the app exits cleanly on SIGTERM: {exit}");
                break;
            }
            assert!(
                Instant::now() < deadline,
                "the app stops within 30 s of SIGTERM"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        // The app has exited, so its stdout ends: every line is read once the reader returns.
        if let Some(reader) = self.reader.take() {
            reader.join().expect("the log reader does not panic");
        }
        self.logs.lock().unwrap().clone()
    }
}

impl Drop for App {
    /// A test that fails before `stop` leaves no server behind (after `stop` this does nothing).
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
