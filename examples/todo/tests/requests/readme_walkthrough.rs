//! The README's walk-through of the example is what the example does: each `curl` line of its
//! first shell block, sent to the running binary, answers a success, and the line whose comment
//! shows an answer gets exactly that answer (but for the trace id).

use crate::common;

use common::{App, TempDb, request};
use serde_json::Value;

/// A `curl` line, parsed: method, path and query, JSON body, and the answer its comment shows.
struct Curl {
    method: String,
    path: String,
    body: Option<String>,
    shown: Option<String>,
}

/// Splits a shell line into words, keeping single-quoted parts together.
fn words(line: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut quoted = false;
    for c in line.chars() {
        match c {
            '\'' => quoted = !quoted,
            ' ' if !quoted => {
                if !word.is_empty() {
                    words.push(std::mem::take(&mut word));
                }
            }
            _ => word.push(c),
        }
    }
    if !word.is_empty() {
        words.push(word);
    }
    words
}

fn parse(line: &str) -> Curl {
    let (command, comment) = match line.split_once(" #") {
        Some((command, comment)) => (command, Some(comment.trim().to_owned())),
        None => (line, None),
    };
    let words = words(command);
    let mut curl = Curl {
        method: "GET".into(),
        path: String::new(),
        body: None,
        shown: comment.filter(|comment| comment.starts_with('{')),
    };
    let mut rest = words.iter().skip(1);
    while let Some(word) = rest.next() {
        match word.as_str() {
            "-X" => curl.method = rest.next().unwrap().clone(),
            "-d" => curl.body = rest.next().cloned(),
            "-H" | "-s" => {
                if word == "-H" {
                    rest.next();
                }
            }
            url => {
                curl.path = url
                    .strip_prefix("localhost:8000")
                    .unwrap_or_else(|| panic!("a URL on localhost:8000: {url}"))
                    .to_owned();
            }
        }
    }
    curl
}

#[test]
fn every_curl_of_the_readme_walk_through_answers_as_shown() {
    let readme = include_str!("../../../../README.md");
    let block = readme
        .split("## The example")
        .nth(1)
        .and_then(|section| section.split("```sh\n").nth(1))
        .and_then(|block| block.split("```").next())
        .expect("the walk-through's shell block");
    let curls: Vec<Curl> = block.lines().map(parse).collect();
    assert!(curls.len() >= 5, "{block}");

    let database = TempDb::new();
    let app = App::start(&database, None);
    for curl in &curls {
        let answer = request(
            app.address,
            &curl.method,
            &curl.path,
            curl.body.as_deref(),
            &[],
        );
        match &curl.shown {
            None => assert!(
                (200..300).contains(&answer.status),
                "{} {}: {} {}",
                curl.method,
                curl.path,
                answer.status,
                answer.body
            ),
            Some(shown) => {
                let mut shown: Value = serde_json::from_str(&shown.replace('…', "x")).unwrap();
                let mut real: Value = serde_json::from_str(&answer.body).unwrap();
                shown["trace_id"] = Value::Null;
                real["trace_id"] = Value::Null;
                assert_eq!(real, shown, "{} {}", curl.method, curl.path);
            }
        }
    }
    app.stop();
}
