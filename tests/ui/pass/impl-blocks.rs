//! `#[observe]` on whole `impl` blocks: inherent and trait impls, `#[async_trait]` impls (either
//! attribute order), generic self types, a block name as prefix, a method's own options over the
//! block's, `#[observe(skip)]`, and `const fn` methods left bare.
#![deny(warnings)]

use async_trait::async_trait;
use tripod::observe;

#[derive(Debug, tripod::ErrorType)]
enum StoreError {
    #[error_type(level = "warn")]
    NotFound(u64),
}

impl std::fmt::Display for StoreError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "not found")
    }
}

struct TodoStore {
    titles: Vec<String>,
}

#[observe(level = "debug", labels(store = "memory"))]
impl TodoStore {
    const LIMIT: usize = 100;

    const fn limit() -> usize {
        Self::LIMIT
    }

    fn insert(&mut self, title: &str) -> Result<u64, StoreError> {
        self.titles.push(title.to_owned());
        Ok(self.titles.len() as u64)
    }

    #[observe(name = "db.todos.find", fields(todo.id = id), failure_level = "info")]
    fn find(&self, id: u64) -> Result<&str, StoreError> {
        self.titles
            .get(id as usize)
            .map(String::as_str)
            .ok_or(StoreError::NotFound(id))
    }

    async fn count(&self) -> usize {
        self.titles.len()
    }

    #[observe(skip)]
    fn titles(&self) -> &[String] {
        &self.titles
    }
}

struct Cache<K, V> {
    entries: Vec<(K, V)>,
}

#[tripod::observe(name = "cache")]
impl<K: PartialEq, V: Clone> Cache<K, V> {
    fn get(&self, key: &K) -> Option<V> {
        self.entries
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.clone())
    }
}

trait Shape {
    fn area(&self) -> f64;
    fn name(&self) -> &'static str {
        "shape"
    }
}

struct Square(f64);

#[observe]
impl Shape for Square {
    fn area(&self) -> f64 {
        self.0 * self.0
    }
}

#[async_trait]
trait Repository {
    async fn load(&self, id: u64) -> Result<String, std::io::Error>;
}

struct Memory;

#[async_trait]
#[observe]
impl Repository for Memory {
    async fn load(&self, id: u64) -> Result<String, std::io::Error> {
        Ok(format!("todo {id}"))
    }
}

struct Disk;

#[observe]
#[async_trait]
impl Repository for Disk {
    async fn load(&self, id: u64) -> Result<String, std::io::Error> {
        Err(std::io::Error::new(std::io::ErrorKind::NotFound, format!("todo {id}")))
    }
}

fn main() {
    let _telemetry = tripod::init().log_writer(std::io::sink()).install().unwrap();
    let mut store = TodoStore { titles: Vec::new() };
    assert_eq!(TodoStore::limit(), 100);
    assert_eq!(store.insert("Read paper").unwrap(), 1);
    assert_eq!(store.find(0).unwrap(), "Read paper");
    assert!(store.find(9).is_err());
    assert_eq!(store.titles().len(), 1);
    let cache = Cache { entries: vec![(1, "one")] };
    assert_eq!(cache.get(&1), Some("one"));
    assert_eq!(Square(2.0).area(), 4.0);
    assert_eq!(Square(2.0).name(), "shape");
    let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();
    runtime.block_on(async {
        assert_eq!(store.count().await, 1);
        assert_eq!(Memory.load(1).await.unwrap(), "todo 1");
        assert!(Disk.load(1).await.is_err());
    });
}
