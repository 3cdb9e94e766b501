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
)]
fn greet(user: &User) -> String {
    format!("hello {}", user.name)
}

fn main() {
    let user = User { id: 1, name: "ada".into() };
    assert_eq!(greet(&user), "hello ada");
}
