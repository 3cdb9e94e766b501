//! `#[observe]`'s entry point: parses the attribute and the item, then expands a function
//! (`function.rs`) or an `impl` block (`impl_block.rs`); on any mistake, every compile error of
//! the attribute beside the item as written.

use proc_macro2::TokenStream;
use quote::quote;
use syn::Item;

use crate::args;
use crate::function::{default_name, observe_body};
use crate::impl_block;
use crate::list::Errors;

/// Entry point: on any error, the compile errors are emitted beside the untouched item, so one
/// mistake does not cascade into "cannot find function" errors elsewhere.
pub(crate) fn observe(attr: TokenStream, item: TokenStream) -> TokenStream {
    let mut errors = Errors::default();
    let args = args::parse(attr).map_err(|error| errors.push(error)).ok();
    let parsed = syn::parse2::<Item>(item.clone());
    // On error the item is emitted as written, but for an impl block's methods' own
    // `#[observe(...)]`s, which would otherwise expand on their own and report more errors.
    let fallback = match &parsed {
        Ok(Item::Impl(block)) => impl_block::without_method_attributes(block.clone()),
        _ => item,
    };
    let expanded = match parsed {
        Ok(Item::Fn(mut function)) => args.map(|args| {
            if let Some(skip) = &args.skip {
                errors.spanned(
                    skip,
                    "`skip` goes on a method inside an `#[observe]` impl block, to leave it \
                     unobserved; elsewhere, remove the attribute",
                );
            }
            if let Some(constness) = &function.sig.constness {
                errors.spanned(
                    constness,
                    "#[observe] cannot go on a `const fn`: it records at run time, and a `const fn` may run at compile time",
                );
            }
            let name = match &args.name {
                Some(name) => name.value(),
                None => default_name(&function.sig.ident),
            };
            observe_body(&args, &name, &function.sig, &mut function.block);
            quote!(#function)
        }),
        Ok(Item::Impl(block)) => {
            args.and_then(|args| impl_block::expand(&args, block, &mut errors))
        }
        Ok(other) => {
            reject(&other, &mut errors);
            None
        }
        Err(error) => {
            errors.push(error);
            None
        }
    };
    match (errors.finish(), expanded) {
        (Ok(()), Some(expanded)) => expanded,
        (result, _) => {
            let error = result.err().map(syn::Error::into_compile_error);
            quote!(#error #fallback)
        }
    }
}

/// Explains why an item that is neither a function nor an `impl` block cannot be observed, at
/// its keyword.
fn reject(item: &Item, errors: &mut Errors) {
    let only_functions = "#[observe] can only be applied to functions (free functions, methods, \
                          trait impl methods) and `impl` blocks";
    match item {
        Item::ForeignMod(block) => errors.spanned(
            &block.abi,
            "#[observe] cannot go on an `extern` block: its functions have no body to observe; \
             put it on a Rust function that calls them",
        ),
        Item::Struct(item) => errors.spanned(item.struct_token, only_functions),
        Item::Enum(item) => errors.spanned(item.enum_token, only_functions),
        Item::Trait(item) => errors.spanned(
            item.trait_token,
            "#[observe] cannot go on a trait definition: put it on the `impl` blocks (or \
             methods) that implement it",
        ),
        Item::Verbatim(tokens) if tokens.to_string().contains("fn") => {
            errors.spanned(tokens, "#[observe] needs a function with a body")
        }
        other => errors.spanned(other, only_functions),
    }
}
