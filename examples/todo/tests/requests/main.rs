//! The example as a client sees it: its API, its answers to bad input, persistence, injected
//! faults and the README's walk-through.
//!
//! Each file a module of one binary (docs/contributing.md says why).

#[path = "../common/mod.rs"]
mod common;

mod api;
mod end_to_end;
mod faults;
mod persistence;
mod readme_walkthrough;
