//! Every endpoint's happy path, and every bad input: a JSON error body, and nothing changed.

use crate::common;

use axum::http::StatusCode;
use common::{TempDb, fresh_app, send};
use serde_json::json;

#[tokio::test]
async fn todos_can_be_created_listed_read_updated_and_deleted() {
    let db = TempDb::new();
    let (app, _) = fresh_app(&db).await;
    let (status, created) = send(
        &app,
        "POST",
        "/api/todos",
        Some(r#"{"title":"Read paper","user_id":42}"#),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(created["title"], "Read paper");
    assert_eq!(created["user_id"], 42);
    assert_eq!(created["done"], false);
    assert!(created["created_at"].as_str().unwrap().ends_with('Z'));
    let id = created["id"].as_i64().unwrap();
    send(
        &app,
        "POST",
        "/api/todos",
        Some(r#"{"title":"Other user","user_id":7}"#),
    )
    .await;

    let (status, all) = send(&app, "GET", "/api/todos", None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(all.as_array().unwrap().len(), 2);
    let (_, mine) = send(&app, "GET", "/api/todos?user_id=42", None).await;
    assert_eq!(mine, json!([created]));
    let (_, page) = send(&app, "GET", "/api/todos?limit=1&offset=1", None).await;
    assert_eq!(page[0]["title"], "Other user");

    let (status, one) = send(&app, "GET", &format!("/api/todos/{id}"), None).await;
    assert_eq!((status, &one), (StatusCode::OK, &created));
    let (status, updated) = send(
        &app,
        "PATCH",
        &format!("/api/todos/{id}"),
        Some(r#"{"done":true}"#),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        (updated["done"].clone(), updated["title"].clone()),
        (json!(true), json!("Read paper"))
    );
    let (_, renamed) = send(
        &app,
        "PATCH",
        &format!("/api/todos/{id}"),
        Some(r#"{"title":"Reread paper"}"#),
    )
    .await;
    assert_eq!(
        (renamed["done"].clone(), renamed["title"].clone()),
        (json!(true), json!("Reread paper"))
    );

    let (status, body) = send(&app, "DELETE", &format!("/api/todos/{id}"), None).await;
    assert_eq!(
        (status, body),
        (StatusCode::NO_CONTENT, serde_json::Value::Null)
    );
    assert_eq!(
        send(&app, "GET", &format!("/api/todos/{id}"), None).await.0,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn predict_classifies_text_and_health_answers() {
    let db = TempDb::new();
    let (app, _) = fresh_app(&db).await;
    let (status, prediction) = send(
        &app,
        "POST",
        "/api/predict",
        Some(r#"{"text":"What a wonderful, friendly place"}"#),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(prediction["label"], "positive");
    assert_eq!(prediction["model"], "sentiment-nb-v1");
    assert!((0.5..=1.0).contains(&prediction["score"].as_f64().unwrap()));
    assert_eq!(
        send(&app, "GET", "/healthz", None).await,
        (StatusCode::OK, json!({"status": "ok"}))
    );
}

#[tokio::test]
async fn bad_input_gets_a_clear_json_error_and_changes_nothing() {
    let db = TempDb::new();
    let (app, _) = fresh_app(&db).await;
    let long_title = format!(r#"{{"title":"{}","user_id":1}}"#, "x".repeat(201));
    let cases: Vec<(&str, String, Option<String>, StatusCode, &str)> = vec![
        (
            "POST",
            "/api/todos".into(),
            Some(r#"{"title":"#.into()),
            StatusCode::BAD_REQUEST,
            "parse",
        ),
        (
            "POST",
            "/api/todos".into(),
            Some(r#"{"user_id":1}"#.into()),
            StatusCode::UNPROCESSABLE_ENTITY,
            "title",
        ),
        (
            "POST",
            "/api/todos".into(),
            Some(r#"{"title":"x","user_id":"one"}"#.into()),
            StatusCode::UNPROCESSABLE_ENTITY,
            "user_id",
        ),
        (
            "POST",
            "/api/todos".into(),
            Some(r#"{"title":"   ","user_id":1}"#.into()),
            StatusCode::UNPROCESSABLE_ENTITY,
            "must not be empty",
        ),
        (
            "POST",
            "/api/todos".into(),
            Some(long_title),
            StatusCode::UNPROCESSABLE_ENTITY,
            "at most 200",
        ),
        (
            "POST",
            "/api/todos".into(),
            None,
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "Content-Type",
        ),
        (
            "GET",
            "/api/todos/404".into(),
            None,
            StatusCode::NOT_FOUND,
            "todo 404 not found",
        ),
        (
            "GET",
            "/api/todos/abc".into(),
            None,
            StatusCode::BAD_REQUEST,
            "parse",
        ),
        (
            "GET",
            "/api/todos?limit=0".into(),
            None,
            StatusCode::UNPROCESSABLE_ENTITY,
            "limit",
        ),
        (
            "GET",
            "/api/todos?limit=lots".into(),
            None,
            StatusCode::BAD_REQUEST,
            "limit",
        ),
        (
            "PATCH",
            "/api/todos/404".into(),
            Some(r#"{"done":true}"#.into()),
            StatusCode::NOT_FOUND,
            "not found",
        ),
        (
            "PATCH",
            "/api/todos/1".into(),
            Some(r#"{"title":""}"#.into()),
            StatusCode::UNPROCESSABLE_ENTITY,
            "must not be empty",
        ),
        (
            "DELETE",
            "/api/todos/404".into(),
            None,
            StatusCode::NOT_FOUND,
            "not found",
        ),
        (
            "POST",
            "/api/predict".into(),
            Some(r#"{"text":""}"#.into()),
            StatusCode::UNPROCESSABLE_ENTITY,
            "must not be empty",
        ),
        (
            "POST",
            "/api/predict".into(),
            Some(r#"{"text":"!!!"}"#.into()),
            StatusCode::UNPROCESSABLE_ENTITY,
            "at least one word",
        ),
        (
            "POST",
            "/api/predict".into(),
            Some(r#"{"txt":"typo"}"#.into()),
            StatusCode::UNPROCESSABLE_ENTITY,
            "text",
        ),
    ];
    for (method, uri, body, expected, message) in cases {
        let (status, error) = send(&app, method, &uri, body.as_deref()).await;
        assert_eq!(status, expected, "{method} {uri} {body:?}: {error}");
        let text = error["error"]
            .as_str()
            .unwrap_or_else(|| panic!("{method} {uri}: no error field in {error}"));
        assert!(
            text.contains(message),
            "{method} {uri}: {text:?} should mention {message:?}"
        );
        assert!(error.get("trace_id").is_some(), "{error}");
    }
    let (_, all) = send(&app, "GET", "/api/todos", None).await;
    assert_eq!(all, json!([]), "no bad request changed anything");
}

#[tokio::test]
async fn unknown_routes_are_404_and_wrong_methods_405() {
    let db = TempDb::new();
    let (app, _) = fresh_app(&db).await;
    assert_eq!(
        send(&app, "GET", "/nope", None).await.0,
        StatusCode::NOT_FOUND
    );
    let (status, error) = send(&app, "PUT", "/api/todos", None).await;
    assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(error["error"], "PUT is not allowed on /api/todos");
    assert!(error.get("trace_id").is_some(), "{error}");
}

#[tokio::test]
async fn a_body_over_the_limit_is_a_json_413() {
    let db = TempDb::new();
    let (app, _) = fresh_app(&db).await;
    // axum's default body limit is 2 MB.
    let huge = format!(r#"{{"text":"{}"}}"#, "a".repeat(3 << 20));
    let (status, error) = send(&app, "POST", "/api/predict", Some(&huge)).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(
        error["error"].as_str().unwrap().contains("length limit"),
        "{error}"
    );
    assert!(error.get("trace_id").is_some(), "{error}");
}
