//! The trace viewer, seen as a user sees it: after scripted requests to the running example
//! (one that fails, one continuing a caller's `traceparent`), headless Chromium opens its pages;
//! the rendered DOM holds the trace list (newest first, the failure marked, the caller's trace
//! id), the waterfall (spans nested parent first, each bar inside its parent's) and the
//! operations table; screenshots are saved, at desktop and phone widths. The JSON behind each
//! page answers `Accept: application/json`. A request held open inside `ml.inference` is listed
//! while it runs, its waterfall drawn up to now with running bars, reported in
//! `http.server.request.still_running` lines and in the oldest-in-flight gauges, and is an
//! ordinary finished trace once it ends.

mod common;

use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

use common::{App, TempDb, request};
use serde_json::Value;
use tripod_tests::backends::{free_port, sample};

const CALLER_TRACE: &str = "0af7651916cd43dd8448eb211c80319c";

/// Chromium's DOM of `url` after it rendered, and a screenshot at `width`×`height` in `shot`.
fn open(url: &str, shot: &PathBuf, (width, height): (u32, u32)) -> String {
    let chromium = std::env::var("TRIPOD_CHROMIUM").unwrap_or_else(|_| "chromium".into());
    let args = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--hide-scrollbars",
    ];
    let dom = Command::new(&chromium)
        .args(args)
        .arg("--dump-dom")
        .arg(url)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {chromium} ({e}): tests/run installs it"));
    assert!(
        dom.status.success(),
        "{}",
        String::from_utf8_lossy(&dom.stderr)
    );
    let screenshot = Command::new(&chromium)
        .args(args)
        .arg(format!("--screenshot={}", shot.display()))
        .arg(format!("--window-size={width},{height}"))
        .arg(url)
        .output()
        .unwrap();
    assert!(screenshot.status.success());
    let size = std::fs::metadata(shot).map(|m| m.len()).unwrap_or(0);
    assert!(size > 10_000, "a screenshot of {url} ({size} bytes)");
    String::from_utf8(dom.stdout).unwrap()
}

/// The value of `attribute` in each element of `dom` whose opening tag starts with `tag`.
fn attributes_of(dom: &str, tag: &str, attribute: &str) -> Vec<String> {
    dom.split(tag)
        .skip(1)
        .filter_map(|rest| {
            let head = rest.split('>').next()?;
            let start = head.find(&format!("{attribute}=\""))? + attribute.len() + 2;
            let end = head[start..].find('"')? + start;
            Some(head[start..end].to_owned())
        })
        .collect()
}

#[test]
fn the_viewer_shows_traces_waterfalls_and_operations_in_a_real_browser() {
    let database = TempDb::new();
    // Predictions go to a model service that is not there: those requests fail with 502.
    let model = format!("http://127.0.0.1:{}", free_port());
    let app = App::start_with(&database, None, &[("TODO_MODEL_URL", &model)]);
    let at = app.address;
    let created = common::create_todo(at);
    let created_trace = created.header("x-trace-id").unwrap().to_owned();
    let failed = request(
        at,
        "POST",
        "/api/predict",
        Some(r#"{"text":"lovely"}"#),
        &[],
    );
    assert_eq!(failed.status, 502, "{}", failed.body);
    let failed_trace = failed.header("x-trace-id").unwrap().to_owned();
    let caller = format!("00-{CALLER_TRACE}-b7ad6b7169203331-01");
    assert_eq!(
        request(
            at,
            "GET",
            "/api/todos?user_id=42",
            None,
            &[("traceparent", &caller)]
        )
        .status,
        200
    );

    let shots = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
    let base = format!("http://{at}");

    // The list: newest first, the failure marked, the caller's trace there.
    let list = open(
        &format!("{base}/debug/traces"),
        &shots.join("traces.png"),
        (1280, 800),
    );
    let listed = attributes_of(&list, "<tr class=\"trace", "data-trace-id");
    assert_eq!(
        listed,
        [CALLER_TRACE, failed_trace.as_str(), created_trace.as_str()],
        "{list}"
    );
    assert!(list.contains(&format!(
        "<tr class=\"trace error\" data-trace-id=\"{failed_trace}\""
    )));
    let failed_only = open(
        &format!("{base}/debug/traces?failed=1"),
        &shots.join("traces-failed.png"),
        (390, 844),
    );
    assert_eq!(
        attributes_of(&failed_only, "<tr class=\"trace", "data-trace-id"),
        [failed_trace.as_str()]
    );

    // The waterfall of the create request: server span, handler, the repository call, and under
    // it the wait for a connection and the statement sqlx ran (no code in the query for it),
    // nested in that order, each bar inside its parent's.
    let waterfall = open(
        &format!("{base}/debug/traces/{created_trace}"),
        &shots.join("waterfall.png"),
        (1280, 480),
    );
    let depths = attributes_of(&waterfall, "<details class=\"span", "data-depth");
    assert_eq!(depths, ["0", "1", "2", "3", "3"], "{waterfall}");
    for name in [
        "POST /api/todos",
        "todo.create",
        "db.todos.insert",
        "acquire connection",
        "INSERT todos",
    ] {
        assert!(waterfall.contains(name), "{name}: {waterfall}");
    }
    let ids = attributes_of(&waterfall, "<details class=\"span", "data-span-id");
    let parents = attributes_of(&waterfall, "<details class=\"span", "data-parent");
    // Each row's parent, by row.
    let parent_of = [0, 0, 1, 2, 2];
    for child in 1..5 {
        assert_eq!(parents[child], ids[parent_of[child]], "row {child}");
    }
    let number =
        |values: Vec<String>| -> Vec<f64> { values.iter().map(|v| v.parse().unwrap()).collect() };
    let lefts = number(attributes_of(
        &waterfall,
        "<details class=\"span",
        "data-left",
    ));
    let widths = number(attributes_of(
        &waterfall,
        "<details class=\"span",
        "data-width",
    ));
    assert!(
        (widths[0] - 100.0).abs() < 0.01,
        "the root spans the axis: {widths:?}"
    );
    for child in 1..5 {
        let parent = parent_of[child];
        assert!(lefts[child] >= lefts[parent] - 0.01, "{lefts:?}");
        assert!(
            lefts[child] + widths[child] <= lefts[parent] + widths[parent] + 0.3,
            "{lefts:?} {widths:?}"
        );
    }
    assert!(
        waterfall.contains("class=\"mark\""),
        "events are marked on their bars"
    );
    assert!(
        waterfall.contains("todo.create.start"),
        "and listed in the details"
    );

    // The failed trace's failing spans are marked.
    let failed_page = open(
        &format!("{base}/debug/traces/{failed_trace}"),
        &shots.join("waterfall-failed.png"),
        (1280, 420),
    );
    assert!(
        failed_page.contains("<details class=\"span error\""),
        "{failed_page}"
    );
    assert!(
        failed_page.contains("unreachable"),
        "the error message is shown"
    );

    // Operations: rates and latencies of operations and routes.
    let operations = open(
        &format!("{base}/debug/operations"),
        &shots.join("operations.png"),
        (1280, 800),
    );
    for name in ["todo.create", "db.todos.insert", "POST /api/todos"] {
        assert!(
            operations.contains(&format!("data-name=\"{name}\"")),
            "{name}: {operations}"
        );
    }
    // A p99 is one click from a trace at least that slow: the exemplar of its slowest bucket.
    let exemplar_link = format!("href=\"/debug/traces/{created_trace}\"");
    let row = operations
        .split("<tr ")
        .find(|row| row.contains("data-name=\"todo.create\""))
        .unwrap();
    assert!(
        row.contains("class=\"exemplar\"") && row.contains(&exemplar_link),
        "todo.create's p99 links to its one call's trace: {row}"
    );
    let exemplar_page = open(
        &format!("{base}/debug/traces/{created_trace}"),
        &shots.join("exemplar-trace.png"),
        (1280, 800),
    );
    assert!(exemplar_page.contains("todo.create"), "{exemplar_page}");

    // The JSON behind the pages.
    let json = |path: &str| -> Value {
        let answer = request(at, "GET", path, None, &[("Accept", "application/json")]);
        assert_eq!(answer.status, 200, "{path}");
        serde_json::from_str(&answer.body).unwrap()
    };
    assert_eq!(json("/debug/traces").as_array().unwrap().len(), 3);
    assert_eq!(
        json(&format!("/debug/traces/{created_trace}"))["spans"]
            .as_array()
            .unwrap()
            .len(),
        5
    );
    let stats = json("/debug/operations");
    let create = stats
        .as_array()
        .unwrap()
        .iter()
        .find(|row| row["name"] == "todo.create")
        .unwrap();
    assert_eq!(create["calls"], 1.0);
    assert!(create["p99_ms"].as_f64().unwrap() > 0.0);
    assert_eq!(create["p99_exemplar"]["trace_id"], created_trace.as_str());
    assert!(create["p99_exemplar"]["duration_ms"].as_f64().unwrap() > 0.0);
    app.stop();
}

#[test]
fn a_request_held_open_is_shown_running_reported_and_counted_before_it_ends() {
    let database = TempDb::new();
    let app = App::start_with(
        &database,
        None,
        &[
            ("TODO_FAULT_SLOW_RATE", "1"),
            ("TODO_FAULT_SLOW_MS", "7000"),
            ("TRIPOD_STILL_RUNNING_AFTER_MS", "1000"),
        ],
    );
    let at = app.address;
    let sent = Instant::now();
    let held = std::thread::spawn(move || {
        request(
            at,
            "POST",
            "/api/predict",
            Some(r#"{"text":"a lovely day"}"#),
            &[],
        )
    });
    let json = |path: &str| -> Value {
        let answer = request(at, "GET", path, None, &[("Accept", "application/json")]);
        assert_eq!(answer.status, 200, "{path}: {}", answer.body);
        serde_json::from_str(&answer.body).unwrap()
    };

    // Listed while it runs (asked every 50 ms), with its age and where it is now.
    let listed = loop {
        let list = json("/debug/traces");
        if let Some(running) = list
            .as_array()
            .unwrap()
            .iter()
            .find(|trace| trace["in_progress"] == true)
        {
            break running.clone();
        }
        assert!(
            !held.is_finished(),
            "the request ended before it was listed"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    let listed_after = sent.elapsed();
    eprintln!("listed {listed_after:?} after the request was sent");
    assert_eq!(listed["operation"], "POST /api/predict", "{listed}");
    assert_eq!(listed["current_span"], "ml.inference", "{listed}");
    let age_ms = listed["duration_ns"].as_f64().unwrap() / 1e6;
    assert!(
        age_ms >= 250.0 && age_ms <= listed_after.as_secs_f64() * 1e3,
        "{age_ms} ms"
    );
    let trace_id = listed["trace_id"].as_str().unwrap().to_owned();

    // The gauges read its age.
    let metrics = request(at, "GET", "/metrics", None, &[]).body;
    let asked = sent.elapsed().as_secs_f64();
    for series in [
        "operation_oldest_in_flight_seconds{name=\"ml.inference\"}",
        "http_requests_oldest_in_flight_seconds{method=\"POST\",endpoint=\"/api/predict\"}",
    ] {
        let seconds = sample(&metrics, series).unwrap_or_else(|| panic!("{series}: {metrics}"));
        assert!(seconds >= 0.25 && seconds <= asked, "{series} {seconds}");
    }

    // Its waterfall: the spans so far, those open running, in the JSON and in a real browser.
    let trace = json(&format!("/debug/traces/{trace_id}"));
    assert_eq!(trace["in_progress"], true);
    let running: Vec<&str> = trace["spans"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|span| span["running"] == true)
        .map(|span| span["name"].as_str().unwrap())
        .collect();
    for name in ["POST /api/predict", "api.predict", "ml.inference"] {
        assert!(running.contains(&name), "{name} runs: {running:?}");
    }
    let shots = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
    let page = open(
        &format!("http://{at}/debug/traces/{trace_id}"),
        &shots.join("waterfall-running.png"),
        (1280, 420),
    );
    let flags = attributes_of(&page, "<details class=\"span", "data-running");
    assert_eq!(
        flags.iter().filter(|flag| *flag == "true").count(),
        3,
        "{page}"
    );
    assert!(
        page.contains("running\" style=\"left:"),
        "a running bar: {page}"
    );
    let list_page = open(
        &format!("http://{at}/debug/traces"),
        &shots.join("traces-running.png"),
        (1280, 420),
    );
    assert!(
        list_page.contains(&format!(
            "<tr class=\"trace running\" data-trace-id=\"{trace_id}\""
        )),
        "{list_page}"
    );

    // One line past the threshold, others past twice and four times it.
    let answer = held.join().unwrap();
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_eq!(answer.header("x-trace-id"), Some(trace_id.as_str()));
    let lines = app.lines();
    let still: Vec<&Value> = lines
        .iter()
        .filter(|line| line["event"] == "http.server.request.still_running")
        .collect();
    assert_eq!(still.len(), 3, "at 1 s, 2 s and 4 s: {still:#?}");
    for (line, threshold) in still.iter().zip([1000, 2000, 4000]) {
        assert_eq!(line["level"], "warning");
        assert_eq!(line["trace_id"], trace_id.as_str());
        assert_eq!(line["innermost_span"], "ml.inference");
        assert_eq!(line["http.route"], "/api/predict");
        let running = line["running_ms"].as_u64().unwrap();
        assert!((threshold..threshold + 1000).contains(&running), "{line}");
    }

    // Ended, it is an ordinary finished trace, and the gauges read 0.
    let trace = json(&format!("/debug/traces/{trace_id}"));
    assert_eq!(trace["in_progress"], false, "{trace}");
    assert!(
        trace["spans"]
            .as_array()
            .unwrap()
            .iter()
            .all(|span| span["running"] == false)
    );
    let listed = json("/debug/traces");
    assert_eq!(listed[0]["trace_id"], trace_id.as_str());
    assert_eq!(listed[0]["in_progress"], false);
    let metrics = request(at, "GET", "/metrics", None, &[]).body;
    assert_eq!(
        sample(
            &metrics,
            "operation_oldest_in_flight_seconds{name=\"ml.inference\"}"
        ),
        Some(0.0)
    );
    app.stop();
}
