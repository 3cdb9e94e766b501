//! `?` (with `From` conversions) and early `return`, in sync and async bodies.

#[derive(Debug)]
enum AppError {
    Parse(std::num::ParseIntError),
    Negative,
}

impl From<std::num::ParseIntError> for AppError {
    fn from(error: std::num::ParseIntError) -> Self {
        AppError::Parse(error)
    }
}

#[tripod::observe]
fn parse_positive(text: &str) -> Result<i64, AppError> {
    let value: i64 = text.trim().parse()?;
    if value < 0 {
        return Err(AppError::Negative);
    }
    Ok(value)
}

#[tripod::observe]
async fn parse_async(text: &str) -> Result<i64, AppError> {
    if text.is_empty() {
        return Ok(0);
    }
    let value = parse_positive(text)?;
    Ok(value * 2)
}

#[tripod::observe]
fn first_even(values: &[u32]) -> Option<u32> {
    for value in values {
        if value % 2 == 0 {
            return Some(*value);
        }
    }
    None
}

#[tripod::observe]
fn boxed() -> Result<u8, Box<dyn std::error::Error>> {
    let value: u8 = "300".parse()?;
    Ok(value)
}

fn main() {
    assert_eq!(parse_positive(" 5 ").unwrap(), 5);
    assert!(matches!(parse_positive("-1"), Err(AppError::Negative)));
    assert!(matches!(parse_positive("x"), Err(AppError::Parse(_))));
    let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();
    assert_eq!(runtime.block_on(parse_async("4")).unwrap(), 8);
    assert_eq!(runtime.block_on(parse_async("")).unwrap(), 0);
    assert_eq!(first_even(&[1, 3, 4]), Some(4));
    assert!(boxed().is_err());
}
