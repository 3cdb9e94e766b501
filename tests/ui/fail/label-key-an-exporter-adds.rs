//! `le` and `quantile` are labels Prometheus adds to histogram and summary series: a static label
//! named so would make every scrape fail, so it is a compile error.

#[tripod::observe(labels(le = "x", quantile = "0.5"))]
fn create() {}

fn main() {}
