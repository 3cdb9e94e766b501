//! Every SQL statement a span, with no code in the example's queries: the running binary sends its
//! traces to a real OTLP receiver (`oteltap`), and each statement sqlx ran is one CLIENT span
//! under the observed repository call that ran it, named and described by OpenTelemetry's
//! database conventions, timed in `db_client_operation_duration_seconds`. A failing statement
//! shows on its caller with `sqlx::Error`'s variant; a bound value appears nowhere.

use crate::common;

use std::time::Duration;

use common::{App, TempDb, request};
use serde_json::Value;
use tripod_tests::backends::{Oteltap, eventually};

/// A span attribute's value as text (`stringValue`, `intValue`, … whichever it is).
fn attribute(span: &Value, key: &str) -> Option<String> {
    let value = match &span["attributes"] {
        Value::Object(map) => map.get(key)?,
        Value::Array(list) => &list.iter().find(|kv| kv["key"] == key)?["value"],
        _ => return None,
    };
    let value = match value {
        Value::Object(typed) => typed.values().next()?,
        plain => plain,
    };
    Some(match value {
        Value::String(text) => text.clone(),
        other => other.to_string(),
    })
}

fn is_client(span: &Value) -> bool {
    span["kind"] == 3 || span["kind"] == "SPAN_KIND_CLIENT"
}

fn nanos(span: &Value, key: &str) -> u128 {
    match &span[key] {
        Value::String(text) => text.parse().unwrap(),
        number => number.as_u64().map(u128::from).unwrap(),
    }
}

/// The spans of `trace_id`, once at least `at_least` arrived.
fn trace(receiver: &Oteltap, trace_id: &str, at_least: usize) -> Vec<Value> {
    eventually(Duration::from_secs(15), || {
        let spans = receiver.spans_of(trace_id);
        (spans.len() >= at_least).then_some(spans)
    })
    .unwrap_or_else(|| {
        panic!(
            "{at_least} spans of {trace_id} reach the receiver; got {:#?}",
            receiver.spans_of(trace_id)
        )
    })
}

fn named<'a>(spans: &'a [Value], name: &str) -> &'a Value {
    spans
        .iter()
        .find(|span| span["name"] == name)
        .unwrap_or_else(|| panic!("no span {name} in {spans:#?}"))
}

fn trace_id_of(response: &common::Response) -> String {
    response
        .header("x-trace-id")
        .expect("the trace id is returned")
        .to_owned()
}

/// Runs `sql` on the example's database from outside the app, as an operator would.
fn run_sql(database: &TempDb, sql: &str) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let pool = sqlx::SqlitePool::connect(&database.url()).await.unwrap();
        if let Err(error) = sqlx::raw_sql(sqlx::AssertSqlSafe(sql)).execute(&pool).await {
            panic!("{sql}: {error}");
        }
        pool.close().await;
    });
}

/// A receiver, and the app sending to it with `env` after creating one todo.
fn app_with_one_todo(env: &[(&str, &str)]) -> (Oteltap, TempDb, App, common::Response) {
    let receiver = Oteltap::start();
    let database = TempDb::new();
    let app = App::start_with(&database, Some(receiver.endpoint()), env);
    let created = request(
        app.address,
        "POST",
        "/api/todos",
        Some(r#"{"title":"Read paper","user_id":42}"#),
        &[],
    );
    assert_eq!(created.status, 201);
    (receiver, database, app, created)
}

#[test]
fn each_statement_of_a_session_is_one_client_span_under_the_call_that_ran_it() {
    let receiver = Oteltap::start();
    let database = TempDb::new();
    let app = App::start(&database, Some(receiver.endpoint()));
    let at = app.address;
    // Bound values: they go to the database and nowhere else.
    let secret = "Buy a present for Ann 4c1d";
    let renamed = "Wrap the present 9e27";

    let created = request(
        at,
        "POST",
        "/api/todos",
        Some(&format!(r#"{{"title":"{secret}","user_id":31337}}"#)),
        &[],
    );
    assert_eq!(created.status, 201, "{}", created.body);
    let id = serde_json::from_str::<Value>(&created.body).unwrap()["id"]
        .as_i64()
        .unwrap();
    let listed = request(at, "GET", "/api/todos?user_id=31337&limit=7", None, &[]);
    assert_eq!(listed.status, 200);
    let got = request(at, "GET", &format!("/api/todos/{id}"), None, &[]);
    let updated = request(
        at,
        "PATCH",
        &format!("/api/todos/{id}"),
        Some(&format!(r#"{{"title":"{renamed}","done":true}}"#)),
        &[],
    );
    assert_eq!(updated.status, 200, "{}", updated.body);
    let deleted = request(at, "DELETE", &format!("/api/todos/{id}"), None, &[]);
    assert_eq!(deleted.status, 204);

    // POST /api/todos: the server span → todo.create → db.todos.insert → INSERT todos, as the
    // guide's Jaeger timeline reads.
    let create = trace(&receiver, &trace_id_of(&created), 5);
    let server = named(&create, "POST /api/todos");
    let handler = named(&create, "todo.create");
    let repository = named(&create, "db.todos.insert");
    let insert = named(&create, "INSERT todos");
    assert_eq!(handler["parentSpanId"], server["spanId"]);
    assert_eq!(repository["parentSpanId"], handler["spanId"]);
    assert_eq!(insert["parentSpanId"], repository["spanId"], "{insert:#}");
    assert!(is_client(insert), "{insert:#}");
    for (key, value) in [
        ("db.system.name", "sqlite"),
        ("db.operation.name", "INSERT"),
        ("db.collection.name", "todos"),
        ("db.query.summary", "INSERT todos"),
        (
            "db.query.text",
            "INSERT INTO todos (title, user_id) VALUES (?, ?) RETURNING *",
        ),
        ("db.response.returned_rows", "1"),
    ] {
        assert_eq!(
            attribute(insert, key).as_deref(),
            Some(value),
            "{key}: {insert:#}"
        );
    }
    // Its time lies inside its caller's.
    assert!(nanos(insert, "startTimeUnixNano") >= nanos(repository, "startTimeUnixNano"));
    assert!(nanos(insert, "endTimeUnixNano") <= nanos(repository, "endTimeUnixNano"));
    assert!(nanos(insert, "endTimeUnixNano") > nanos(insert, "startTimeUnixNano"));
    // The wait for a connection is a span of its own, before the statement.
    let wait = named(&create, "acquire connection");
    assert_eq!(wait["parentSpanId"], repository["spanId"]);
    assert!(nanos(wait, "endTimeUnixNano") <= nanos(insert, "endTimeUnixNano"));

    // Every other request: exactly one statement span of its own, of the right operation, in its
    // trace; a request that made the pool open a connection also shows the connection's setup
    // statements (sqlx's `PRAGMA journal_mode = WAL; …`), which ran in it too.
    let own = |span: &&Value| is_client(span) && span["name"] != "PRAGMA";
    for (response, repository, statement) in [
        (&listed, "db.todos.list", "SELECT todos"),
        (&got, "db.todos.get", "SELECT todos"),
        (&updated, "db.todos.update", "UPDATE todos"),
        (&deleted, "db.todos.delete", "DELETE todos"),
    ] {
        let spans = trace(&receiver, &trace_id_of(response), 5);
        let statements: Vec<&Value> = spans.iter().filter(own).collect();
        assert_eq!(
            statements.len(),
            1,
            "{repository}: {:?}",
            statements
                .iter()
                .map(|span| (
                    &span["name"],
                    attribute(span, "db.query.text"),
                    &span["parentSpanId"]
                ))
                .collect::<Vec<_>>()
        );
        assert_eq!(statements[0]["name"], statement);
        assert_eq!(
            statements[0]["parentSpanId"],
            named(&spans, repository)["spanId"]
        );
        assert_eq!(
            attribute(statements[0], "db.system.name").as_deref(),
            Some("sqlite")
        );
    }
    let list = trace(&receiver, &trace_id_of(&listed), 5);
    let select = named(&list, "SELECT todos");
    assert_eq!(
        attribute(select, "db.response.returned_rows").as_deref(),
        Some("1")
    );

    // The statements' durations, by operation and table, in buckets that resolve a query on a
    // warm SQLite page (tens of microseconds).
    let metrics = request(at, "GET", "/metrics", None, &[]).body;
    for operation in ["INSERT", "SELECT", "UPDATE", "DELETE"] {
        let series = format!(
            r#"db_client_operation_duration_seconds_count{{db_system_name="sqlite",db_operation_name="{operation}",db_collection_name="todos"}}"#
        );
        assert!(metrics.contains(&series), "{series} in:\n{metrics}");
    }
    assert!(metrics.contains(
        r#"db_client_operation_duration_seconds_bucket{db_system_name="sqlite",db_operation_name="INSERT",db_collection_name="todos",le="0.00005"}"#
    ));

    let logs = app.stop();
    // RUST_LOG=info: sqlx's DEBUG statement events made spans, not log lines.
    assert!(
        !logs
            .iter()
            .any(|line| line.get("db.statement").is_some() || line.get("rows_returned").is_some()),
        "statements are not logged at info"
    );
    // No bound value in any span, log record or metric the receiver got, any line or /metrics.
    let everything = format!(
        "{}\n{}\n{}",
        serde_json::to_string(&receiver.records()).unwrap(),
        serde_json::to_string(&logs).unwrap(),
        metrics
    );
    // (The user id is bound too, but the handler records it as `user.id` on purpose.)
    for bound in [secret, renamed] {
        assert!(!everything.contains(bound), "{bound} leaked");
    }
}

#[test]
fn a_failing_statement_shows_in_the_trace_with_the_sqlx_error_variant_on_its_caller() {
    let receiver = Oteltap::start();
    let database = TempDb::new();
    let app = App::start(&database, Some(receiver.endpoint()));
    let at = app.address;
    // A constraint the app does not know about, then a table that is gone.
    run_sql(
        &database,
        "CREATE TRIGGER no_spam BEFORE INSERT ON todos WHEN NEW.title = 'spam' \
         BEGIN SELECT RAISE(ABORT, 'no spam'); END;",
    );
    let rejected = request(
        at,
        "POST",
        "/api/todos",
        Some(r#"{"title":"spam","user_id":1}"#),
        &[],
    );
    assert_eq!(rejected.status, 500, "{}", rejected.body);
    run_sql(&database, "DROP TABLE todos");
    let missing = request(at, "GET", "/api/todos", None, &[]);
    assert_eq!(missing.status, 500, "{}", missing.body);

    for (response, repository, statement, code) in [
        // SQLITE_CONSTRAINT_TRIGGER, and SQLITE_ERROR ("no such table").
        (&rejected, "db.todos.insert", "INSERT todos", "1811"),
        (&missing, "db.todos.list", "SELECT todos", "1"),
    ] {
        let spans = trace(&receiver, &trace_id_of(response), 4);
        let caller = named(&spans, repository);
        assert_eq!(
            attribute(caller, "error.type").as_deref(),
            Some("Database"),
            "{caller:#}"
        );
        assert_eq!(
            attribute(caller, "db.response.status_code").as_deref(),
            Some(code),
            "{caller:#}"
        );
        assert_eq!(caller["status"]["code"], 2, "{caller:#}");
        let failed = named(&spans, statement);
        assert!(is_client(failed));
        assert_eq!(failed["parentSpanId"], caller["spanId"]);
    }
    let logs = app.stop();
    let failure = logs
        .iter()
        .find(|line| line["event"] == "db.todos.list.failure")
        .expect("the failure is logged");
    assert_eq!(failure["error.type"], "Database");
    assert_eq!(failure["db.response.status_code"], "1");
}

#[test]
fn with_database_spans_off_no_statement_is_a_span_or_a_series() {
    let (receiver, _database, app, created) = app_with_one_todo(&[("TODO_DB_SPANS", "off")]);
    let metrics = request(app.address, "GET", "/metrics", None, &[]).body;
    app.stop();
    let spans = trace(&receiver, &trace_id_of(&created), 3);
    let mut names: Vec<&str> = spans
        .iter()
        .map(|span| span["name"].as_str().unwrap())
        .collect();
    names.sort_unstable();
    assert_eq!(names, ["POST /api/todos", "db.todos.insert", "todo.create"]);
    assert!(!metrics.contains("db_client_operation_duration_seconds"));
}

#[test]
fn with_sqlx_at_debug_in_rust_log_the_statements_are_logged_as_well_as_traced() {
    let (receiver, _database, app, created) = app_with_one_todo(&[("RUST_LOG", "info,sqlx=debug")]);
    let logs = app.stop();
    let trace_id = trace_id_of(&created);
    let logged: Vec<&Value> = logs
        .iter()
        .filter(|line| {
            line["trace_id"] == trace_id.as_str()
                && line["summary"]
                    .as_str()
                    .is_some_and(|summary| summary.starts_with("INSERT"))
        })
        .collect();
    assert_eq!(logged.len(), 1, "the INSERT's line: {logs:#?}");
    assert_eq!(logged[0]["level"], "debug");
    named(&trace(&receiver, &trace_id, 5), "INSERT todos");
}

#[test]
fn an_unsampled_request_exports_no_statement_unless_it_fails_and_then_its_whole_trace() {
    let receiver = Oteltap::start();
    let database = TempDb::new();
    let app = App::start_with(
        &database,
        Some(receiver.endpoint()),
        &[("OTEL_TRACES_SAMPLER", "always_off")],
    );
    let at = app.address;
    let listed = request(at, "GET", "/api/todos", None, &[]);
    assert_eq!(listed.status, 200, "{}", listed.body);
    run_sql(&database, "DROP TABLE todos");
    let missing = request(at, "GET", "/api/todos", None, &[]);
    assert_eq!(missing.status, 500, "{}", missing.body);
    // The failed request's trace, kept by the default rule: its statement with it.
    let spans = trace(&receiver, &trace_id_of(&missing), 5);
    let caller = named(&spans, "db.todos.list");
    let statement = named(&spans, "SELECT todos");
    assert_eq!(statement["parentSpanId"], caller["spanId"]);
    let root = spans
        .iter()
        .find(|span| span["parentSpanId"] == "" || span["parentSpanId"].is_null())
        .expect("the local root");
    assert_eq!(
        attribute(root, "tripod.sampling.kept").as_deref(),
        Some("error")
    );
    app.stop();
    std::thread::sleep(Duration::from_millis(300));
    assert!(
        receiver.spans_of(&trace_id_of(&listed)).is_empty(),
        "nothing of the healthy, unsampled request: {:#?}",
        receiver.spans_of(&trace_id_of(&listed))
    );
}
