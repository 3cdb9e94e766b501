//! `impl Trait` in argument and return position, sync and async.

use std::fmt::{Debug, Display};

#[tripod::observe]
fn show(value: impl Display) -> impl Display {
    format!("[{value}]")
}

#[tripod::observe]
fn evens(limit: u32) -> impl Iterator<Item = u32> {
    (0..limit).filter(|n| n % 2 == 0)
}

#[tripod::observe]
async fn debug_it(value: impl Debug + Send) -> impl Debug {
    vec![format!("{value:?}")]
}

#[tripod::observe]
fn maybe(flag: bool) -> Result<impl Display, String> {
    if flag { Ok(1) } else { Err("no".to_owned()) }
}

fn main() {
    assert_eq!(show(3).to_string(), "[3]");
    assert_eq!(evens(5).collect::<Vec<_>>(), [0, 2, 4]);
    let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();
    assert_eq!(format!("{:?}", runtime.block_on(debug_it(7))), "[\"7\"]");
    assert_eq!(maybe(true).unwrap().to_string(), "1");
    assert!(maybe(false).is_err());
}
