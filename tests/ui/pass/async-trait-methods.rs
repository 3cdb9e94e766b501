//! Methods of `#[async_trait]` impls: the attribute sees async-trait's `Box::pin(async move {..})`
//! body and observes the boxed future, which stays `Send`.

use async_trait::async_trait;

#[async_trait]
trait Repository {
    async fn find(&self, id: u32) -> Result<String, std::io::Error>;
    async fn count(&self) -> usize;
}

struct Memory(Vec<String>);

#[async_trait]
impl Repository for Memory {
    #[tripod::observe(name = "db.todos.find", fields(todo.id = id))]
    async fn find(&self, id: u32) -> Result<String, std::io::Error> {
        tokio::task::yield_now().await;
        self.0.get(id as usize).cloned().ok_or_else(|| std::io::ErrorKind::NotFound.into())
    }

    #[tripod::observe(name = "db.todos.count")]
    async fn count(&self) -> usize {
        self.0.len()
    }
}

fn assert_send<T: Send>(_: &T) {}

fn main() {
    let repository = Memory(vec!["a".into()]);
    assert_send(&repository.find(0));
    let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();
    assert_eq!(runtime.block_on(repository.find(0)).unwrap(), "a");
    assert!(runtime.block_on(repository.find(5)).is_err());
    assert_eq!(runtime.block_on(repository.count()), 1);
}
