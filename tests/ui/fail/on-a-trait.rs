//! A trait definition is not observed: its implementations are.

#[tripod::observe]
trait Store {
    fn load(&self) -> u8;
}

fn main() {}
