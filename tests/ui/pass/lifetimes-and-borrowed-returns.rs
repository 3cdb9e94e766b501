//! Explicit and elided lifetimes, borrowed returns, and returns borrowed from `self`.

struct Catalog {
    names: Vec<String>,
}

impl Catalog {
    #[tripod::observe(name = "catalog.first")]
    fn first(&self) -> Option<&str> {
        self.names.first().map(String::as_str)
    }

    #[tripod::observe(name = "catalog.find")]
    fn find<'a>(&'a self, prefix: &str) -> Result<&'a str, String> {
        self.names.iter().find(|n| n.starts_with(prefix)).map(String::as_str).ok_or_else(|| prefix.to_owned())
    }

    #[tripod::observe(name = "catalog.first_async")]
    async fn first_async(&self) -> &str {
        &self.names[0]
    }
}

#[tripod::observe]
fn longest<'a>(a: &'a str, b: &'a str) -> &'a str {
    if a.len() >= b.len() { a } else { b }
}

#[tripod::observe]
fn split_first(text: &str) -> (&str, &str) {
    text.split_at(1)
}

#[tripod::observe]
fn with_static(text: &'static str) -> &'static str {
    text
}

fn main() {
    let catalog = Catalog { names: vec!["apple".into(), "banana".into()] };
    assert_eq!(catalog.first(), Some("apple"));
    assert_eq!(catalog.find("ba"), Ok("banana"));
    assert_eq!(catalog.find("ch"), Err("ch".to_owned()));
    assert_eq!(longest("ab", "abc"), "abc");
    assert_eq!(split_first("xy"), ("x", "y"));
    assert_eq!(with_static("s"), "s");
    let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();
    assert_eq!(runtime.block_on(catalog.first_async()), "apple");
}
