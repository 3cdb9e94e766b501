//! What the repository promises: the README's code works pasted into new crates, the minimum Rust
//! version holds, and the parsers of outside input never panic.
//!
//! Each file a module of one binary (docs/contributing.md says why).

mod msrv;
mod parsers;
mod readme_own_service;
mod readme_quick_start;
