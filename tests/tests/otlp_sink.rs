//! The load benchmark's receiver, `otlp-sink`, is a real OTLP/HTTP receiver: it counts the spans
//! tripod's exporter sends and refuses a body that is no OTLP trace request.

mod support;

use std::io::{Read as _, Write as _};
use std::net::{SocketAddr, TcpStream};
use std::process::{Child, Command};
use std::time::Duration;

use support::backends::{eventually, free_port, http_get};

/// The sink as a child process, killed when dropped.
struct Sink {
    child: Child,
    address: SocketAddr,
}

impl Sink {
    fn start() -> Sink {
        let port = free_port();
        let child = Command::new(env!("CARGO_BIN_EXE_otlp-sink"))
            .arg(port.to_string())
            .spawn()
            .expect("otlp-sink starts");
        let address = SocketAddr::from(([127, 0, 0, 1], port));
        eventually(Duration::from_secs(10), || {
            TcpStream::connect(address).ok().map(drop)
        })
        .expect("otlp-sink listens");
        Sink { child, address }
    }

    fn spans(&self) -> u64 {
        let (status, body) = http_get(self.address, "/spans");
        assert_eq!(status, 200, "{body}");
        body.trim().parse().expect("a count")
    }
}

impl Drop for Sink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[tripod::observe(name = "sink.work")]
fn work(x: u64) -> u64 {
    x + 1
}

#[test]
fn the_sink_counts_every_span_tripod_exports() {
    let sink = Sink::start();
    let telemetry = tripod::init()
        .environment(|_| None)
        .log_writer(std::io::sink())
        .prometheus(false)
        .otlp_endpoint(format!("http://{}", sink.address))
        .install()
        .expect("installs");
    for x in 0..25 {
        work(x);
    }
    drop(telemetry); // flushes
    assert_eq!(
        eventually(Duration::from_secs(10), || (sink.spans() == 25)
            .then_some(())),
        Some(()),
        "spans counted: {}",
        sink.spans()
    );
}

#[test]
fn the_sink_refuses_a_body_that_is_no_otlp_request() {
    let sink = Sink::start();
    let mut stream = TcpStream::connect(sink.address).expect("connects");
    let body = [0xff_u8, 0xff, 0xff];
    write!(
        stream,
        "POST /v1/traces HTTP/1.1\r\nhost: localhost\r\ncontent-type: application/x-protobuf\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
        body.len()
    )
    .expect("writes");
    stream.write_all(&body).expect("writes");
    let mut response = String::new();
    stream.read_to_string(&mut response).expect("reads");
    assert!(response.starts_with("HTTP/1.1 400"), "{response}");
    assert_eq!(sink.spans(), 0);
}
