//! The example fails and is slow on demand, without code: `TODO_FAULT_ERROR_RATE` makes
//! predictions fail inside `ml.inference` with a 500, `TODO_FAULT_SLOW_RATE` with
//! `TODO_FAULT_SLOW_MS` makes them wait inside it, and a bad value is one warning. Run against the
//! real binary, reading its JSON lines.

use crate::common;

use common::{App, Response, TempDb, request};
use serde_json::Value;

/// Starts the app with `env`, asks it `predictions` times (`POST /api/predict`), stops it: the
/// answers and every JSON line it logged.
fn predict_with(env: &[(&str, &str)], predictions: usize) -> (Vec<Response>, Vec<Value>) {
    let database = TempDb::new();
    let app = App::start_with(&database, None, env);
    let body = serde_json::json!({ "text": "a great and lovely day" }).to_string();
    let answers = (0..predictions)
        .map(|_| request(app.address, "POST", "/api/predict", Some(&body), &[]))
        .collect();
    (answers, app.stop())
}

fn lines_of<'a>(lines: &'a [Value], event: &str) -> Vec<&'a Value> {
    lines.iter().filter(|line| line["event"] == event).collect()
}

#[test]
fn an_error_rate_of_one_fails_every_prediction_inside_ml_inference_with_a_500() {
    let (answers, lines) = predict_with(&[("TODO_FAULT_ERROR_RATE", "1")], 3);
    for answer in answers {
        assert_eq!(answer.status, 500, "{}", answer.body);
        assert!(
            answer.body.contains("TODO_FAULT_ERROR_RATE"),
            "{}",
            answer.body
        );
    }
    let failures = lines_of(&lines, "ml.inference.failure");
    assert_eq!(failures.len(), 3, "{lines:#?}");
    for failure in failures {
        assert_eq!(failure["level"], "error");
        assert_eq!(failure["error.type"], "Injected");
        assert_eq!(failure["input.length"], 22);
    }
    assert_eq!(lines_of(&lines, "api.predict.failure").len(), 3);
    assert!(lines_of(&lines, "ml.inference.success").is_empty());
}

#[test]
fn a_slow_rate_of_one_waits_inside_ml_inference_and_still_answers() {
    let (answers, lines) = predict_with(
        &[("TODO_FAULT_SLOW_RATE", "1"), ("TODO_FAULT_SLOW_MS", "250")],
        1,
    );
    assert_eq!(answers[0].status, 200, "{}", answers[0].body);
    let successes = lines_of(&lines, "ml.inference.success");
    assert_eq!(successes.len(), 1, "{lines:#?}");
    // The wait is inside the call: its own duration holds it (a lower bound: a sleep never ends
    // early), and the request's does too.
    let waited = successes[0]["duration_ms"].as_f64().unwrap();
    assert!(waited >= 250.0, "ml.inference took {waited} ms");
    let request_ms = lines_of(&lines, "api.predict.success")[0]["duration_ms"]
        .as_f64()
        .unwrap();
    assert!(request_ms >= waited, "{request_ms} < {waited}");
}

#[test]
fn a_bad_fault_value_is_one_warning_and_no_fault() {
    let (answers, lines) = predict_with(
        &[
            ("TODO_FAULT_ERROR_RATE", "often"),
            ("TODO_FAULT_SLOW_MS", "soon"),
        ],
        1,
    );
    assert_eq!(answers[0].status, 200, "{}", answers[0].body);
    let warnings: Vec<&str> = lines
        .iter()
        .filter(|line| line["level"] == "warning")
        .filter_map(|line| line["event"].as_str())
        .filter(|event| event.starts_with("TODO_FAULT_"))
        .collect();
    assert_eq!(warnings.len(), 2, "{lines:#?}");
    assert!(warnings[0].starts_with("TODO_FAULT_ERROR_RATE=\"often\""));
    assert!(warnings[1].starts_with("TODO_FAULT_SLOW_MS=\"soon\""));
}
