//! trybuild UI tests: `ui/pass` cases compile and run; `ui/fail` cases fail to compile with the
//! messages in their `.stderr` files.
//!
//! Compiler messages change between Rust versions, so the `fail` cases run only on the version
//! recorded in `ui/RUSTC_VERSION` (the one the `.stderr` files were made with). To refresh them
//! on a new compiler: `TRYBUILD=overwrite cargo test -p tripod-tests --test ui`, review the diff,
//! and write the new `rustc --version` prefix into `ui/RUSTC_VERSION`.

use std::process::Command;

#[test]
fn ui() {
    let cases = trybuild::TestCases::new();
    cases.pass("ui/pass/*.rs");
    let recorded = include_str!("../ui/RUSTC_VERSION").trim();
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into());
    let output = Command::new(rustc)
        .arg("--version")
        .output()
        .expect("rustc --version runs");
    let current = String::from_utf8_lossy(&output.stdout);
    if current.starts_with(recorded) || std::env::var_os("TRYBUILD").is_some() {
        cases.compile_fail("ui/fail/*.rs");
    } else {
        eprintln!(
            "skipping ui/fail: its .stderr files were made with {recorded}, this is {}",
            current.trim()
        );
    }
}
