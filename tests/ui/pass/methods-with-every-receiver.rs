//! Methods with `&self`, `&mut self`, `self`, `self: Arc<Self>`, and associated functions.

use std::sync::Arc;

struct Counter {
    count: u32,
}

impl Counter {
    #[tripod::observe(name = "counter.new")]
    fn new() -> Self {
        Counter { count: 0 }
    }

    #[tripod::observe(name = "counter.get", fields(count = self.count))]
    fn get(&self) -> u32 {
        self.count
    }

    #[tripod::observe(name = "counter.bump")]
    fn bump(&mut self) -> &mut Self {
        self.count += 1;
        self
    }

    #[tripod::observe(name = "counter.into_inner")]
    fn into_inner(self) -> u32 {
        self.count
    }

    #[tripod::observe(name = "counter.shared")]
    fn shared(self: Arc<Self>) -> u32 {
        self.count
    }

    #[tripod::observe(name = "counter.get_async")]
    async fn get_async(&self) -> u32 {
        self.count
    }

    #[tripod::observe(name = "counter.bump_async")]
    async fn bump_async(&mut self) {
        self.count += 1;
    }

    #[tripod::observe(name = "counter.shared_async")]
    async fn shared_async(self: Arc<Self>) -> u32 {
        self.count
    }
}

fn main() {
    let mut counter = Counter::new();
    counter.bump().bump();
    assert_eq!(counter.get(), 2);
    let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();
    runtime.block_on(counter.bump_async());
    assert_eq!(runtime.block_on(counter.get_async()), 3);
    let shared = Arc::new(counter);
    assert_eq!(runtime.block_on(shared.clone().shared_async()), 3);
    assert_eq!(shared.shared(), 3);
    assert_eq!(Counter::new().into_inner(), 0);
}
