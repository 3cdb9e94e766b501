//! `ret` records the value with `Debug`; a type without it is reported at `ret`.

struct Opaque;

#[tripod::observe(ret)]
fn make() -> Opaque {
    Opaque
}

fn main() {
    let _ = make();
}
