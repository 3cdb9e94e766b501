//! An objective's shares are percentages above 0 and below 100, its latency a whole number with a
//! unit; every mistake is reported at its tokens in one compile, with the attribute's others.

#[derive(Debug)]
struct Timeout;

#[tripod::observe(objective(success = 100.5, latency = "fast", latency_target = 0))]
fn predict() -> Result<(), Timeout> {
    Ok(())
}

#[tripod::observe(objective(latency_target = 99, budget = 1), level = "loud")]
fn train() {}

#[tripod::observe(objective())]
fn serve() {}

#[tripod::observe(objective(success = "99.9", latency = 250))]
fn score() {}

#[tripod::observe(objective = 99)]
fn rank() {}

fn main() {}
