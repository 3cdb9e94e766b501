//! `#[instrument]` options tripod deliberately lacks say why, each at its own tokens.

#[tripod::observe(target = "my_target", err, skip(password), skip_all, parent = None, follows_from = [])]
fn login(user: &str, password: &str) -> Result<(), std::io::Error> {
    let _ = (user, password);
    Ok(())
}

fn main() {}
