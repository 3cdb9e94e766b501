//! `fields(...)` and `ret` name a function's arguments and result: they go on a method's own
//! attribute, not on the `impl` block.

struct Store;

#[tripod::observe(fields(id = 1), ret)]
impl Store {
    fn load(&self) -> u8 {
        1
    }
}

fn main() {}
