//! Procedural macros of [tripod](https://docs.rs/tripod): `#[observe]` and `#[derive(ErrorType)]`.
//!
//! Depend on `tripod`, not on this crate: the expansions name `::tripod::__private` paths only.

mod args;
mod derive_error_type;
mod duration;
mod expand;
mod function;
mod impl_block;
mod list;
mod objective;
mod shape;

use proc_macro::TokenStream;

/// (Defined in the `tripod-macros` crate: depend on `tripod`, which re-exports it, since the
/// expansion calls `::tripod::__private`.)
#[proc_macro_attribute]
pub fn observe(attr: TokenStream, item: TokenStream) -> TokenStream {
    expand::observe(attr.into(), item.into()).into()
}

/// Derives `tripod::ErrorType`: an enum's label is the variant's name, a struct's its own name;
/// `#[error_type("label", level = "warn")]` sets a variant's (or a struct's) label and failure
/// level, `#[error_type(level = "warn")]` on an enum the level of every variant without one.
#[proc_macro_derive(ErrorType, attributes(error_type))]
pub fn derive_error_type(item: TokenStream) -> TokenStream {
    derive_error_type::expand(item.into()).into()
}
