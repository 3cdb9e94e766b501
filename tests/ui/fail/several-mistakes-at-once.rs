//! All mistakes of one attribute are reported in one compile, each at its own tokens.

#[tripod::observe(name = "Bad Name", level = "loud", labels(tier = 3), colour = "red", ret(x))]
fn create() -> u8 {
    1
}

fn main() {
    // The function still exists: no "cannot find function" error follows.
    let _ = create();
}
