//! Fields are not evaluated when nothing listens at the attribute's level.

use std::sync::atomic::{AtomicUsize, Ordering};

static EVALUATIONS: AtomicUsize = AtomicUsize::new(0);

fn counted(len: usize) -> usize {
    EVALUATIONS.fetch_add(1, Ordering::SeqCst);
    len
}

#[tripod::observe(name = "search", level = "debug", fields(query.length = counted(query.len())))]
fn search(query: &str) -> usize {
    query.len()
}

#[tripod::observe(name = "search.loud", level = "warn", fields(query.length = counted(query.len())))]
fn search_loud(query: &str) -> usize {
    query.len()
}

#[test]
fn fields_are_evaluated_only_when_something_listens_at_the_level() {
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::INFO)
        .with_writer(std::io::sink)
        .finish();
    tracing::subscriber::set_global_default(subscriber).unwrap();
    assert_eq!(search("rust"), 4);
    assert_eq!(
        EVALUATIONS.load(Ordering::SeqCst),
        0,
        "a debug call under an info subscriber evaluates nothing"
    );
    assert_eq!(search_loud("rust"), 4);
    assert_eq!(
        EVALUATIONS.load(Ordering::SeqCst),
        1,
        "a warn call evaluates its field once"
    );
}
