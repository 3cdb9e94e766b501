//! Procedural macros of [tripod](https://docs.rs/tripod): `#[observe]` and `#[derive(ErrorType)]`.
//!
//! Depend on `tripod`, not on this crate: the expansions name `::tripod::__private` paths only.

mod args;
mod derive_error_type;
mod expand;
mod shape;

use proc_macro::TokenStream;

/// Gives a function a span, `start`/`success`/`failure` log events and metrics.
///
/// Documented on its re-export, `tripod::observe`.
#[proc_macro_attribute]
pub fn observe(attr: TokenStream, item: TokenStream) -> TokenStream {
    expand::observe(attr.into(), item.into()).into()
}

/// Derives `tripod::ErrorType`: an enum's label is the variant's name, a struct's its own name.
///
/// Documented on its re-export, `tripod::ErrorType`.
#[proc_macro_derive(ErrorType, attributes(error_type))]
pub fn derive_error_type(item: TokenStream) -> TokenStream {
    derive_error_type::expand(item.into()).into()
}
