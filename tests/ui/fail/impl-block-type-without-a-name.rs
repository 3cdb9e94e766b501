//! An `impl` block on a type without a name to build operation names from (a slice, a tuple)
//! asks for a `name`; a method whose name cannot be part of one asks for its own.

trait Describe {
    fn describe(&self) -> String;
}

#[tripod::observe]
impl Describe for [u8] {
    fn describe(&self) -> String {
        format!("{} bytes", self.len())
    }
}

struct Store;

#[tripod::observe]
impl Store {
    #[allow(non_snake_case)]
    fn Größe(&self) -> usize {
        0
    }
}

fn main() {}
