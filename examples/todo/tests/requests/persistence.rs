//! Data survives a restart on the same database file, and concurrent creates lose nothing.

use crate::common;

use std::collections::HashSet;

use axum::http::StatusCode;
use common::{TempDb, fresh_app, send};

#[tokio::test]
async fn todos_survive_a_restart_on_the_same_database_file() {
    let db = TempDb::new();
    let id = {
        let (app, todos) = fresh_app(&db).await;
        let (status, created) = send(
            &app,
            "POST",
            "/api/todos",
            Some(r#"{"title":"Persist me","user_id":1}"#),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED);
        todos.close().await;
        created["id"].as_i64().unwrap()
    };
    let (app, _) = fresh_app(&db).await;
    let (status, found) = send(&app, "GET", &format!("/api/todos/{id}"), None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(found["title"], "Persist me");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_hundred_concurrent_creates_lose_nothing() {
    let db = TempDb::new();
    let (app, _) = fresh_app(&db).await;
    let creates: Vec<_> = (0..200)
        .map(|i| {
            let app = app.clone();
            tokio::spawn(async move {
                let body = format!(r#"{{"title":"todo {i}","user_id":{}}}"#, i % 5);
                send(&app, "POST", "/api/todos", Some(&body)).await
            })
        })
        .collect();
    let mut ids = HashSet::new();
    for create in creates {
        let (status, todo) = create.await.unwrap();
        assert_eq!(status, StatusCode::CREATED, "{todo}");
        assert!(ids.insert(todo["id"].as_i64().unwrap()));
    }
    let mut listed = HashSet::new();
    for offset in [0, 100] {
        let (_, page) = send(
            &app,
            "GET",
            &format!("/api/todos?limit=100&offset={offset}"),
            None,
        )
        .await;
        listed.extend(
            page.as_array()
                .unwrap()
                .iter()
                .map(|todo| todo["id"].as_i64().unwrap()),
        );
    }
    assert_eq!(listed, ids, "every created todo is stored once");
}
