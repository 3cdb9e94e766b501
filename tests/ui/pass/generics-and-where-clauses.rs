//! Generic functions, with bounds inline and in where-clauses, const generics and turbofish calls.

use std::fmt::Display;

#[tripod::observe(name = "generic.describe", fields(item = %item))]
fn describe<T: Display>(item: T) -> String {
    format!("<{item}>")
}

#[tripod::observe(name = "generic.sum")]
fn sum<I>(items: I) -> Result<u64, std::num::TryFromIntError>
where
    I: IntoIterator,
    I::Item: Into<u64>,
{
    let total: u64 = items.into_iter().map(Into::into).sum();
    u32::try_from(total)?;
    Ok(total)
}

#[tripod::observe(name = "generic.first")]
fn first<T: Copy + Default, const N: usize>(items: [T; N]) -> T {
    items.first().copied().unwrap_or_default()
}

#[tripod::observe(name = "generic.parse")]
async fn parse<T>(text: &str) -> Result<T, T::Err>
where
    T: std::str::FromStr + Send,
{
    text.parse()
}

fn main() {
    assert_eq!(describe(5), "<5>");
    assert_eq!(sum([1u8, 2, 3]), Ok(6));
    assert!(sum([u32::MAX, 1]).is_err());
    assert_eq!(first::<u8, 3>([7, 8, 9]), 7);
    let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();
    assert_eq!(runtime.block_on(parse::<u16>("42")), Ok(42));
}
