//! `#[observe]` on an `impl` block observes every method: named `type.method` in snake case, the
//! block's level and labels on each, a method's own options over the block's, `skip` leaving a
//! method bare.

use crate::support;

use support::{capture, capture_async};

struct TodoStore {
    titles: Vec<String>,
}

#[tripod::observe(level = "debug", labels(store = "memory"))]
impl TodoStore {
    fn insert(&mut self, title: &str) -> Result<usize, std::io::Error> {
        self.titles.push(title.to_owned());
        Ok(self.titles.len())
    }

    #[tripod::observe(name = "db.todos.find", level = "info", fields(todo.id = id))]
    fn find(&self, id: usize) -> Option<&str> {
        self.titles.get(id).map(String::as_str)
    }

    async fn count(&self) -> usize {
        self.titles.len()
    }

    #[tripod::observe(skip)]
    fn first(&self) -> Option<&str> {
        self.titles.first().map(String::as_str)
    }
}

struct HTTPClient;

trait Fetch {
    fn fetch(&self) -> u16;
}

#[tripod::observe]
impl Fetch for HTTPClient {
    fn fetch(&self) -> u16 {
        200
    }
}

#[tripod::observe(name = "todos")]
impl TodoStore {
    fn clear(&mut self) {
        self.titles.clear();
    }
}

#[test]
fn each_method_is_named_type_dot_method_with_the_blocks_options() {
    let ((), telemetry, metrics) = capture(|| {
        let mut store = TodoStore { titles: Vec::new() };
        store.insert("Read paper").unwrap();
        assert_eq!(HTTPClient.fetch(), 200);
        store.clear();
    });
    let insert = telemetry.span("todo_store.insert");
    assert_eq!(insert.level, tracing::Level::DEBUG, "the block's level");
    assert_eq!(
        insert.fields["code.function.name"].text(),
        "attribute::impl_blocks::TodoStore::insert"
    );
    let labels = [
        ("name", "todo_store.insert"),
        ("outcome", "success"),
        ("store", "memory"),
    ];
    assert_eq!(
        metrics
            .snapshot()
            .histogram("operation_duration_seconds", &labels)
            .len(),
        1,
        "the block's labels"
    );
    assert_eq!(
        telemetry.span("http_client.fetch").level,
        tracing::Level::INFO
    );
    telemetry.span("todos.clear");
}

#[test]
fn a_methods_own_options_override_the_blocks_and_skip_leaves_it_bare() {
    let ((), telemetry, metrics) = capture(|| {
        let store = TodoStore {
            titles: vec!["a".into()],
        };
        assert_eq!(store.find(0), Some("a"));
        assert_eq!(store.first(), Some("a"));
    });
    let find = telemetry.span("db.todos.find");
    assert_eq!(find.level, tracing::Level::INFO, "its own level");
    assert_eq!(find.fields["todo.id"].text(), "0");
    let labels = [("name", "db.todos.find"), ("store", "memory")];
    assert_eq!(
        metrics
            .snapshot()
            .histogram("operation_duration_seconds", &labels)
            .len(),
        1,
        "the block's labels, not overridden"
    );
    assert_eq!(
        telemetry.messages(),
        ["db.todos.find.start", "db.todos.find.success"],
        "`first` is skipped"
    );
}

#[test]
fn async_methods_of_an_observed_block_are_timed_as_futures() {
    let (count, telemetry, _) = capture_async(async {
        let store = TodoStore {
            titles: vec!["a".into(), "b".into()],
        };
        store.count().await
    });
    assert_eq!(count, 2);
    assert_eq!(
        telemetry.messages(),
        ["todo_store.count.start", "todo_store.count.success"]
    );
}
