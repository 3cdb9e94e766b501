//! Expansion of `#[observe]`: thin code that hands the call to `::tripod::__private`.
//!
//! ```text
//! // Input:
//! #[observe(name = "ml.inference", fields(input.length = text.len()))]
//! fn predict(text: &str) -> Result<Label, ModelError> { body }
//!
//! // Output:
//! fn predict(text: &str) -> Result<Label, ModelError> {
//!     fn __tripod_here() {}
//!     static __TRIPOD_SITE: ::tripod::__private::Site =
//!         ::tripod::__private::site!(name: "ml.inference", level: INFO, labels: []);
//!     let __tripod_span = ::tripod::__private::span!(name: "ml.inference", level: INFO,
//!         here: __tripod_here, bind: [__tripod_f0 = text.len()],
//!         fields: [input.length = __tripod_f0,], ret: []);
//!     ::tripod::__private::Call::start(&__TRIPOD_SITE, __tripod_span).run(
//!         move || { /* a never-taken `return` pinning the type */ body },
//!         |__tripod_r| ::tripod::__private::classify!(__tripod_r),
//!     )
//! }
//! ```
//!
//! `async fn`s await `run_async(async move { body }, ..)` instead; a body ending in the future it
//! returns (`-> impl Future`, `#[async_trait]`'s `Box::pin(async move { .. })`) gets the same
//! treatment inside that future, so the future is timed rather than its construction.

use proc_macro2::TokenStream;
use quote::{format_ident, quote, quote_spanned};
use syn::ext::IdentExt;
use syn::parse::Parser;
use syn::spanned::Spanned;
use syn::{Block, Item, ItemFn, ReturnType, Type};

use crate::args::{self, Errors, ObserveArgs, Sigil};
use crate::shape::{self, Shape};

/// Entry point: on any error, the compile errors are emitted beside the untouched item, so one
/// mistake does not cascade into "cannot find function" errors elsewhere.
pub(crate) fn observe(attr: TokenStream, item: TokenStream) -> TokenStream {
    let mut errors = Errors::default();
    let args = args::parse(attr).map_err(|error| errors.push(error)).ok();
    let function = match syn::parse2::<Item>(item.clone()) {
        Ok(Item::Fn(function)) => Some(function),
        Ok(other) => {
            reject(&other, &mut errors);
            None
        }
        Err(error) => {
            errors.push(error);
            None
        }
    };
    if let Some(constness) = function
        .as_ref()
        .and_then(|function| function.sig.constness.as_ref())
    {
        errors.spanned(
            constness,
            "#[observe] cannot go on a `const fn`: it records at run time, and a `const fn` may run at compile time",
        );
    }
    match (errors.finish(), args, function) {
        (Ok(()), Some(args), Some(function)) => expand(args, function),
        (result, _, _) => {
            let error = result.err().map(syn::Error::into_compile_error);
            quote!(#error #item)
        }
    }
}

/// Explains why an item that is not a function cannot be observed, at its keyword.
fn reject(item: &Item, errors: &mut Errors) {
    let only_functions =
        "#[observe] can only be applied to functions (free functions, methods, trait impl methods)";
    match item {
        Item::ForeignMod(block) => errors.spanned(
            &block.abi,
            "#[observe] cannot go on an `extern` block: its functions have no body to observe; \
             put it on a Rust function that calls them",
        ),
        Item::Struct(item) => errors.spanned(item.struct_token, only_functions),
        Item::Enum(item) => errors.spanned(item.enum_token, only_functions),
        Item::Impl(item) => errors.spanned(
            item.impl_token,
            "#[observe] goes on each method to observe, not on an `impl` block",
        ),
        Item::Trait(item) => errors.spanned(item.trait_token, only_functions),
        Item::Verbatim(tokens) if tokens.to_string().contains("fn") => {
            errors.spanned(tokens, "#[observe] needs a function with a body")
        }
        other => errors.spanned(other, only_functions),
    }
}

/// Everything an expansion needs besides the body.
struct Parts {
    prelude: TokenStream,
    classify: TokenStream,
}

fn expand(args: ObserveArgs, mut function: ItemFn) -> TokenStream {
    let returned = match &function.sig.output {
        ReturnType::Default => None,
        ReturnType::Type(_, ty) => Some((**ty).clone()),
    };
    let shape = Shape::of(&function.sig, &mut function.block);
    let parts = parts(&args, &function, returned.as_ref(), &shape);
    let Parts { prelude, classify } = parts;
    match shape {
        Shape::Sync => {
            let body = pinned_body(&function.block, returned.as_ref());
            let run = quote! {
                #prelude
                ::tripod::__private::Call::start(&__TRIPOD_SITE, __tripod_span).run(move || #body, #classify)
            };
            replace_statements(&mut function.block, run);
        }
        Shape::Async => {
            let body = pinned_body(&function.block, returned.as_ref());
            let run = quote! {
                #prelude
                ::tripod::__private::Call::start(&__TRIPOD_SITE, __tripod_span)
                    .run_async(async move #body, #classify)
                    .await
            };
            replace_statements(&mut function.block, run);
        }
        Shape::ReturnsFuture { output } => {
            let future = shape::returned_future(&mut function.block)
                .expect("the shape was recognised on this body");
            let body = pinned_body(&future.block, output.as_deref());
            let run = quote! {
                #prelude
                ::tripod::__private::Call::start(&__TRIPOD_SITE, __tripod_span)
                    .run_async(async move #body, #classify)
                    .await
            };
            replace_statements(&mut future.block, run);
        }
    }
    quote!(#function)
}

/// Replaces a block's statements, keeping its braces: their spans are the user's, so the item
/// still counts as the user's code (the `dead_code` lint, for one, skips generated items).
fn replace_statements(block: &mut Block, statements: TokenStream) {
    block.stmts = Block::parse_within
        .parse2(statements)
        .expect("generated statements parse");
}

/// The call site's statics and span, and the closure that classifies the result.
fn parts(args: &ObserveArgs, function: &ItemFn, returned: Option<&Type>, shape: &Shape) -> Parts {
    let ident = &function.sig.ident;
    let name = match &args.name {
        Some(name) => name.value(),
        None => default_name(ident),
    };
    let level = format_ident!("{}", args.level.map_or("INFO", |level| level.constant));
    let label_keys = args
        .labels
        .iter()
        .map(|label| label.key.unraw().to_string());
    let label_values = args.labels.iter().map(|label| &label.value);
    let bound = (0..args.fields.len())
        .map(|i| format_ident!("__tripod_f{i}"))
        .collect::<Vec<_>>();
    let values = args.fields.iter().map(|field| &field.value);
    let fields = args.fields.iter().zip(&bound).map(|(field, var)| {
        let key = &field.key;
        let sigil = match &field.sigil {
            Some(Sigil::Display(token)) => quote!(#token),
            Some(Sigil::Debug(token)) => quote!(#token),
            None => quote!(),
        };
        quote!(#(#key).* = #sigil #var,)
    });
    let ret = args.ret.map(|span| quote_spanned!(span=> return));
    // Spanned at the function's name: `line!()` in the runtime's macros gives its line.
    let at = ident.span();
    let prelude = quote_spanned! {at=>
        fn __tripod_here() {}
        static __TRIPOD_SITE: ::tripod::__private::Site = ::tripod::__private::site!(
            name: #name, level: #level, labels: [#((#label_keys, #label_values)),*]
        );
        let __tripod_span = ::tripod::__private::span!(
            name: #name, level: #level, here: __tripod_here,
            bind: [#(#bound = #values),*], fields: [#(#fields)*], ret: [#ret]
        );
    };
    let output = match shape {
        Shape::ReturnsFuture { output } => output.as_deref(),
        Shape::Sync | Shape::Async => returned,
    };
    let opaque = output.is_some_and(shape::is_impl_trait)
        || matches!(shape, Shape::ReturnsFuture { output: None });
    let outcome = if opaque {
        quote!(::tripod::__private::Outcome::success())
    } else {
        quote!(::tripod::__private::classify!(__tripod_r))
    };
    let classify = match args.ret {
        Some(span) => quote_spanned!(span=> |__tripod_r| #outcome.with_return(__tripod_r)),
        None if opaque => quote!(|_| #outcome),
        None => quote!(|__tripod_r| #outcome),
    };
    Parts { prelude, classify }
}

/// The function's name as an operation name: lower-cased, raw prefix dropped.
fn default_name(ident: &syn::Ident) -> String {
    let name = ident.to_string();
    name.strip_prefix("r#").unwrap_or(&name).to_lowercase()
}

/// The body, led by a never-taken `return` of the declared type: the closure or async block then
/// has the function's return type (so `?` converts errors as it would in the function), and a
/// wrong value is reported at the user's line. Types mentioning `impl Trait` cannot annotate a `let`.
fn pinned_body(block: &Block, returned: Option<&Type>) -> TokenStream {
    let stmts = &block.stmts;
    let fake = match returned {
        Some(ty) if shape::mentions_impl_trait(ty) => quote!(),
        Some(ty) => fake_return(ty.span(), quote!(#ty)),
        None => fake_return(block.brace_token.span.open(), quote!(())),
    };
    let brace = block.brace_token.span.join();
    quote_spanned!(brace=> { #fake #(#stmts)* })
}

/// Spanned at the return type, so "return type inferred to be ..." notes point at it.
fn fake_return(at: proc_macro2::Span, ty: TokenStream) -> TokenStream {
    quote_spanned! {at=>
        #[allow(unreachable_code, clippy::diverging_sub_expression, clippy::empty_loop, clippy::let_unit_value, clippy::needless_return)]
        if false {
            let __tripod_fake_return: #ty = loop {};
            return __tripod_fake_return;
        }
    }
}
