//! `skip` only means something on a method inside an `#[observe]` impl block; anywhere else it
//! is an error, and so is `skip` on the block itself.

#[tripod::observe(skip)]
fn create() {}

struct Store;

#[tripod::observe(skip)]
impl Store {
    fn load(&self) {}
}

fn main() {}
