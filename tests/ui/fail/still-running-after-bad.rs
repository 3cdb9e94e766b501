//! `still_running_after` is a whole number with a unit above zero, or "off"; every mistake is
//! reported at its value in one compile.

#[tripod::observe(still_running_after = "soon")]
fn poll_queue() {}

#[tripod::observe(still_running_after = "0s")]
fn drain() {}

#[tripod::observe(still_running_after = "1.5s", level = "loud")]
fn replay() {}

#[tripod::observe(still_running_after = 10)]
fn wait() {}

fn main() {}
