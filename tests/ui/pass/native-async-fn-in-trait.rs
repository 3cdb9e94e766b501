//! Native `async fn` in traits and their impls.

trait Model {
    async fn predict(&self, text: &str) -> Result<f32, String>;
}

struct Constant;

impl Model for Constant {
    #[tripod::observe(name = "ml.inference", fields(input.length = text.len()))]
    async fn predict(&self, text: &str) -> Result<f32, String> {
        if text.is_empty() { Err("empty".into()) } else { Ok(0.5) }
    }
}

fn main() {
    let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();
    assert_eq!(runtime.block_on(Constant.predict("hi")), Ok(0.5));
    assert!(runtime.block_on(Constant.predict("")).is_err());
}
