//! tripod's subscriber records events on the application's threads and writes the lines on its
//! own thread: no line is lost (a thread that exits, a writer that stalls), a thread's lines keep
//! their order, and an event that happened before another on another thread is written first.

use crate::support;

use std::io::{self, Write};
use std::sync::mpsc;
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

use support::backends::{MemoryLog, eventually};
use tripod_tests::otlp_receiver::{OtlpReceiver, named};

/// tripod writing lines into `writer`, every one of them: what these tests check is how bursts
/// of one callsite's lines are written, so no line is held back.
fn telemetry(writer: impl Write + Send + 'static) -> tripod::Telemetry {
    tripod::init()
        .environment(|_| None)
        .log_writer(writer)
        .log_rate_limit(None)
        .prometheus(false)
        .otlp(false)
        .build()
        .expect("builds")
}

#[test]
fn the_last_lines_of_a_thread_that_exits_are_written_without_a_flush() {
    let log = MemoryLog::default();
    let telemetry = telemetry(log.clone());
    let dispatch = telemetry.dispatch().clone();
    std::thread::spawn(move || {
        tracing::dispatcher::with_default(&dispatch, || {
            let span = tracing::info_span!("job", job.id = 7);
            let _entered = span.enter();
            tracing::info!(rows = 3, "job.done");
        });
    })
    .join()
    .unwrap();
    let line = eventually(Duration::from_secs(10), || {
        log.events("job.done").into_iter().next()
    })
    .expect("the exited thread's line is written by tripod's log thread");
    assert_eq!(line["rows"], 3);
    assert_eq!(line["job.id"], 7, "with its span's fields");
    assert!(line["trace_id"].is_string());
    drop(telemetry);
}

#[test]
fn a_threads_lines_keep_their_order_and_a_handoff_between_threads_is_written_in_order() {
    let log = MemoryLog::default();
    let telemetry = telemetry(log.clone());
    // Two threads take turns, as a task moving between Tokio workers does: each event happens
    // after the other thread's previous one.
    let turns = 4_000;
    let (to_b, from_a) = mpsc::channel::<u32>();
    let (to_a, from_b) = mpsc::channel::<u32>();
    let dispatch = telemetry.dispatch().clone();
    let b = std::thread::spawn(move || {
        tracing::dispatcher::with_default(&dispatch, || {
            while let Ok(turn) = from_a.recv() {
                tracing::info!(turn = turn + 1, "turn");
                if to_a.send(turn + 1).is_err() {
                    break;
                }
            }
        });
    });
    tracing::dispatcher::with_default(telemetry.dispatch(), || {
        let mut turn = 0;
        while turn < turns {
            tracing::info!(turn, "turn");
            to_b.send(turn).unwrap();
            turn = from_b.recv().unwrap() + 1;
        }
    });
    drop(to_b);
    b.join().unwrap();
    telemetry.flush(Duration::from_secs(5));
    let order: Vec<u64> = log
        .events("turn")
        .iter()
        .map(|line| line["turn"].as_u64().unwrap())
        .collect();
    let expected: Vec<u64> = (0..order.len() as u64).collect();
    assert_eq!(order.len(), turns as usize);
    assert!(order == expected, "lines out of order: {order:?}");
}

/// A writer that blocks while its gate is closed, like a pipe nobody reads.
#[derive(Clone, Default)]
struct Gated {
    written: MemoryLog,
    closed: Arc<(Mutex<bool>, Condvar)>,
}

impl Gated {
    fn set(&self, closed: bool) {
        *self.closed.0.lock().unwrap() = closed;
        self.closed.1.notify_all();
    }
}

impl Write for Gated {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let (closed, opened) = &*self.closed;
        let mut closed = closed.lock().unwrap();
        while *closed {
            closed = opened.wait(closed).unwrap();
        }
        drop(closed);
        self.written.write(buf)
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[test]
fn past_4_mib_of_unwritten_lines_the_logging_thread_waits_for_the_writer_and_no_line_is_lost() {
    let writer = Gated::default();
    let telemetry = telemetry(writer.clone());
    writer.set(true);
    let padding = "x".repeat(200);
    // Well past 4 MiB of records.
    let lines = 40_000;
    let (done, finished) = mpsc::channel();
    let dispatch = telemetry.dispatch().clone();
    let logging = std::thread::spawn(move || {
        tracing::dispatcher::with_default(&dispatch, || {
            for line in 0..lines {
                tracing::info!(line, padding = %padding, "bulk");
            }
        });
        done.send(()).unwrap();
    });
    assert!(
        finished.recv_timeout(Duration::from_secs(2)).is_err(),
        "the logging thread went on past the bound while nothing could be written"
    );
    writer.set(false);
    finished
        .recv_timeout(Duration::from_secs(60))
        .expect("the logging thread goes on once the writer does");
    logging.join().unwrap();
    telemetry.flush(Duration::from_secs(5));
    let written: Vec<u64> = writer
        .written
        .events("bulk")
        .iter()
        .map(|line| line["line"].as_u64().unwrap())
        .collect();
    assert_eq!(written.len(), lines, "every line");
    assert!(written.iter().copied().eq(0..lines as u64), "in order");
}

#[test]
fn follows_from_is_exported_as_a_link_and_events_in_spawn_blocking_threads_are_logged() {
    let receiver = OtlpReceiver::start();
    let log = MemoryLog::default();
    let telemetry = tripod::init()
        .environment(|_| None)
        .log_writer(log.clone())
        .prometheus(false)
        .otlp_endpoint(receiver.endpoint())
        .build()
        .expect("builds");
    let dispatch = telemetry.dispatch().clone();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .unwrap();
    let (cause, effect) = runtime.block_on(async move {
        tokio::task::spawn_blocking(move || {
            tracing::dispatcher::with_default(&dispatch, || {
                let cause = tracing::info_span!("enqueue");
                let effect = tracing::info_span!(parent: None, "process");
                effect.follows_from(&cause);
                effect.in_scope(|| tracing::info!("processed"));
                let ids = |span: &tracing::Span| {
                    let context = tripod::trace::context_of(span).unwrap();
                    (context.trace_id.to_string(), context.span_id.to_string())
                };
                (ids(&cause), ids(&effect))
            })
        })
        .await
        .unwrap()
    });
    drop(runtime);
    assert!(telemetry.flush(Duration::from_secs(10)));
    let spans = receiver.spans();
    let process = named(&spans, "process");
    assert_eq!(process.span_id, effect.1);
    assert_ne!(process.trace_id, cause.0, "a trace of its own");
    assert_eq!(
        process.links,
        vec![cause.clone()],
        "linked to the span it follows"
    );
    assert_eq!(named(&spans, "enqueue").links, vec![]);
    let line = &log.events("processed")[0];
    assert_eq!(line["span_id"], effect.1.as_str());
}

#[test]
fn a_field_recorded_later_is_on_the_later_lines_of_the_span_and_of_its_children() {
    let log = MemoryLog::default();
    let telemetry = telemetry(log.clone());
    tracing::dispatcher::with_default(telemetry.dispatch(), || {
        let request = tracing::info_span!("request", user.id = tracing::field::Empty);
        let _request = request.enter();
        tracing::info!("before");
        let child = tracing::info_span!("child", step = 1);
        let _child = child.enter();
        request.record("user.id", 42);
        tracing::info!("after");
    });
    telemetry.flush(Duration::from_secs(5));
    let before = &log.events("before")[0];
    assert!(before.get("user.id").is_none(), "{before}");
    let after = &log.events("after")[0];
    assert_eq!(after["user.id"], 42, "{after}");
    assert_eq!(after["step"], 1);
}

#[test]
fn directives_that_match_span_fields_still_filter_through_envfilter() {
    let log = MemoryLog::default();
    let telemetry = tripod::init()
        .environment(|_| None)
        .log_writer(log.clone())
        .log_filter("info,[job{id=7}]=debug")
        .prometheus(false)
        .otlp(false)
        .build()
        .expect("builds");
    tracing::dispatcher::with_default(telemetry.dispatch(), || {
        tracing::info_span!("job", id = 7).in_scope(|| tracing::debug!("inside.seven"));
        tracing::info_span!("job", id = 8).in_scope(|| tracing::debug!("inside.eight"));
        tracing::debug!("outside");
    });
    telemetry.flush(Duration::from_secs(5));
    assert_eq!(log.events("inside.seven").len(), 1, "{}", log.text());
    assert!(log.events("inside.eight").is_empty());
    assert!(log.events("outside").is_empty());
}
