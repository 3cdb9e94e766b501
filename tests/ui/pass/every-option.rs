//! Every option of the attribute at once, with each field sigil and a dotted, keyword-named key.

#[derive(Debug)]
struct User {
    id: u64,
    name: String,
}

#[tripod::observe(
    name = "user.greet_2",
    level = "trace",
    fields(user.id = user.id, user.name = %user.name, user = ?user, r#type = "greeting"),
    labels(channel = "email", r#region = "eu"),
    ret,
    still_running_after = "2m",
    objective(success = 99.9, latency = "250ms", latency_target = 99),
)]
fn greet(user: &User) -> String {
    format!("hello {}", user.name)
}

/// A stream is meant to run long: never reported while it runs, on every method.
struct Feed;

/// The block's objective applies to every method but one that declares its own.
#[tripod::observe(still_running_after = "off", objective(success = 99))]
impl Feed {
    fn follow(&self) -> u32 {
        7
    }

    #[tripod::observe(still_running_after = "1h", objective(latency = "5s"))]
    fn catch_up(&self) -> u32 {
        8
    }
}

fn main() {
    assert_eq!(Feed.follow() + Feed.catch_up(), 15);
    let user = User { id: 1, name: "ada".into() };
    assert_eq!(greet(&user), "hello ada");
}
