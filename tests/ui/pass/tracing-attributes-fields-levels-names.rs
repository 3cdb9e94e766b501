//! tracing-attributes' `tests/fields.rs`, `levels.rs`, `names.rs`, `targets.rs`, `parents.rs`,
//! `follows_from.rs` and `dead_code.rs`, ported: every annotated function, same signature and
//! body. Levels are taken in every spelling `#[instrument]` takes (any case, 1 to 5, `Level::X`),
//! the name alone as a string, fields with `%name` and without a value. Dropped: `target`,
//! `skip(..)`, `parent`, `follows_from` (tripod's span is the current span's child), and the
//! computed field names (`{CONST} = ..`), which tripod does not support.
#![deny(warnings)]
// tracing records every argument, so there they are used; tripod records none unless named,
// and reads `Level::X` by its name.
#![allow(dead_code, unused_variables, unused_imports)]

use tracing::Level;
use tripod::observe;

// fields.rs

#[observe(fields(foo = "bar", dsa = true, num = 1))]
fn fn_no_param() {}

#[observe(fields(foo = "bar"))]
fn fn_param(param: u32) {}

#[observe(fields(foo = "bar", empty))]
fn fn_empty_field() {}

#[observe(fields(len = s.len()))]
fn fn_expr_field(s: &str) {}

#[observe(fields(s.len = s.len(), s.is_empty = s.is_empty()))]
fn fn_two_expr_fields(s: &str) {
    let _ = s;
}

#[observe(fields(%s, s.len = s.len()))]
fn fn_clashy_expr_field(s: &str) {
    let _ = s;
}

#[observe(fields(s = "s"))]
fn fn_clashy_expr_field2(s: &str) {
    let _ = s;
}

#[observe(fields(s = &s))]
fn fn_string(s: String) {
    let _ = s;
}

#[observe(fields(keywords.impl.type.fn = _arg))]
fn fn_keyword_ident_in_field(_arg: &str) {}

#[observe(fields(foo = "baz"))]
fn fn_const_field_name() {}

#[observe(fields(foo = "bar"))]
fn fn_string_field_name() {}

#[derive(Debug)]
struct HasField {
    my_field: &'static str,
}

impl HasField {
    #[observe(fields(my_field = self.my_field))]
    fn self_expr_field(&self) {}
}

// levels.rs

mod named_levels {
    use super::*;

    #[observe(level = "trace")]
    pub fn trace() {}

    #[observe(level = "Debug")]
    pub fn debug() {}

    #[observe(level = "INFO")]
    pub fn info() {}

    #[observe(level = "WARn")]
    pub fn warn() {}

    #[observe(level = "eRrOr")]
    pub fn error() {}
}

mod numeric_levels {
    use super::*;

    #[observe(level = 1)]
    pub fn trace() {}

    #[observe(level = 2)]
    pub fn debug() {}

    #[observe(level = 3)]
    pub fn info() {}

    #[observe(level = 4)]
    pub fn warn() {}

    #[observe(level = 5)]
    pub fn error() {}
}

mod enum_levels {
    use super::*;

    #[observe(level = Level::TRACE)]
    pub fn trace() {}

    #[observe(level = Level::DEBUG)]
    pub fn debug() {}

    #[observe(level = tracing::Level::INFO)]
    pub fn info() {}

    #[observe(level = Level::WARN)]
    pub fn warn() {}

    #[observe(level = Level::ERROR)]
    pub fn error() {}
}

// names.rs

#[observe]
fn default_name() {}

#[observe(name = "my_name")]
fn custom_name() {}

#[observe("my_other_name")]
fn custom_name_no_equals() {}

// targets.rs

#[observe]
fn default_target() {}

#[observe]
fn custom_target() {}

mod my_mod {
    #[tripod::observe]
    pub fn default_target() {}

    #[tripod::observe]
    pub fn custom_target() {}
}

// parents.rs

#[observe]
fn with_default_parent() {}

#[observe]
fn with_explicit_parent<P>(parent_span: P)
where
    P: Into<Option<tracing::Id>>,
{
}

// follows_from.rs

#[observe]
fn with_follows_from_sync(causes: impl IntoIterator<Item = impl Into<Option<tracing::Id>>>) {}

#[observe]
async fn with_follows_from_async(causes: impl IntoIterator<Item = impl Into<Option<tracing::Id>>>) {}

#[observe]
fn follows_from_current() {}

// dead_code.rs (allowed here; `ui/fail/dead-code-still-reported.rs` checks the lint still fires)

#[observe]
fn unused() {}

#[observe]
async fn unused_async() {}

fn main() {
    let _telemetry = tripod::init().log_writer(std::io::sink()).install().unwrap();
    fn_no_param();
    fn_param(1);
    fn_empty_field();
    fn_expr_field("a");
    fn_two_expr_fields("ab");
    fn_clashy_expr_field("abc");
    fn_clashy_expr_field2("abcd");
    fn_string("s".into());
    fn_keyword_ident_in_field("kw");
    fn_const_field_name();
    fn_string_field_name();
    HasField { my_field: "f" }.self_expr_field();
    named_levels::trace();
    named_levels::debug();
    named_levels::info();
    named_levels::warn();
    named_levels::error();
    numeric_levels::trace();
    numeric_levels::error();
    enum_levels::trace();
    enum_levels::info();
    enum_levels::error();
    default_name();
    custom_name();
    custom_name_no_equals();
    default_target();
    custom_target();
    my_mod::default_target();
    my_mod::custom_target();
    with_default_parent();
    with_explicit_parent(None::<tracing::Id>);
    with_follows_from_sync(Vec::<Option<tracing::Id>>::new());
    follows_from_current();
    tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap()
        .block_on(with_follows_from_async(Vec::<Option<tracing::Id>>::new()));
}
