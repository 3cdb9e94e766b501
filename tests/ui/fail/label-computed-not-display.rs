//! A label computed with `%` must be `Display` (`?` takes `Debug`); the error points at it.

struct Model;

#[tripod::observe(labels(model = %model))]
fn predict(model: Model) -> u8 {
    let _ = model;
    1
}

fn main() {}
