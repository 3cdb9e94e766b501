//! A wrong value returned early from an async body is reported at the user's line.

#[tripod::observe]
async fn load(flag: bool) -> Result<u32, String> {
    if flag {
        return Ok("one");
    }
    Ok(1)
}

fn main() {}
