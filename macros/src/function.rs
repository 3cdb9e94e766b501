//! Expansion of `#[observe]` on one function: thin code that hands the call to
//! `::tripod::__private`. A function alone and each method of an observed `impl` block go
//! through [`observe_body`].
//!
//! ```text
//! // Input:
//! #[observe(name = "ml.inference", fields(input.length = text.len()))]
//! fn predict(text: &str) -> Result<Label, ModelError> { body }
//!
//! // Output:
//! fn predict(text: &str) -> Result<Label, ModelError> {
//!     fn __tripod_here() {}
//!     static __TRIPOD_SITE: ::tripod::__private::Site = ::tripod::__private::site!(
//!         name: "ml.inference", level: INFO, failure_level: [], labels: [], computed: [],
//!         still_running: [], objective: []);
//!     let __tripod_span = ::tripod::__private::span!(site: __TRIPOD_SITE, name: "ml.inference", level: INFO,
//!         here: __tripod_here, bind: [__tripod_f0 = text.len()], names: ["input.length"],
//!         values: [Some(&__tripod_f0 as &dyn Value)], ret: []);
//!     let __tripod_body = ::tripod::__private::once(move || {
//!         /* a never-taken `return` pinning the type */
//!         body       // in a block of its own when it declares items, so they cannot shadow it
//!     });
//!     ::tripod::__private::Call::start(&__TRIPOD_SITE, __tripod_span,
//!             ::tripod::__private::Outcomes::sync(::tripod::__private::fallible!(&__tripod_body)))
//!         .run(__tripod_body, |__tripod_r| ::tripod::__private::classify!(__tripod_r))
//! }
//! ```
//!
//! `async fn`s await `run_async(async move { .. }, ..)` instead, with `Outcomes::future`; a body
//! ending in the future it returns (`-> impl Future` with an `async` block, `Box::pin(async ..)`
//! as `Pin<Box<dyn Future>>`, `BoxFuture` or `#[async_trait]`'s rewrite) gets the same treatment
//! inside that future, keeping its capture mode, so the future is timed rather than its
//! construction.

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::ext::IdentExt;
use syn::parse::Parser;
use syn::spanned::Spanned;
use syn::{Block, ReturnType, Signature, Type};

use crate::args::{LabelValue, ObserveArgs, Sigil};
use crate::shape::{self, Shape};

/// The operation name of a function without a `name`: its name, lower-cased, raw prefix dropped.
pub(crate) fn default_name(ident: &syn::Ident) -> String {
    ident.unraw().to_string().to_lowercase()
}

/// Rewrites `block`, the body of the function `sig`, to observe each call as the operation `name`.
pub(crate) fn observe_body(args: &ObserveArgs, name: &str, sig: &Signature, block: &mut Block) {
    let returned = match &sig.output {
        ReturnType::Default => None,
        ReturnType::Type(_, ty) => Some((**ty).clone()),
    };
    let shape = Shape::of(sig, block);
    let output = match &shape {
        Shape::ReturnsFuture { output } => output.as_deref().cloned(),
        Shape::Sync | Shape::Async => returned.clone(),
    };
    // An `impl Trait` result (or a future with no named output) is opaque: never a failure.
    let opaque = output.as_ref().is_some_and(shape::is_impl_trait)
        || matches!(shape, Shape::ReturnsFuture { output: None });
    let Parts {
        prelude,
        classify,
        labelled,
    } = parts(args, name, &sig.ident, opaque);
    let fallible = if opaque {
        quote!(false)
    } else {
        quote!(::tripod::__private::fallible!(&__tripod_body))
    };
    let future_start = start(
        labelled,
        quote!(::tripod::__private::Outcomes::future(#fallible)),
    );
    match shape {
        Shape::Sync => {
            let body = pinned_body(block, output.as_ref(), opaque);
            let call = start(
                labelled,
                quote!(::tripod::__private::Outcomes::sync(#fallible)),
            );
            replace_statements(
                block,
                quote! {
                    #prelude
                    let __tripod_body = ::tripod::__private::once(move || #body);
                    #call.run(__tripod_body, #classify)
                },
            );
        }
        Shape::Async => {
            let body = pinned_body(block, output.as_ref(), opaque);
            replace_statements(
                block,
                run_future(&prelude, quote!(move), &body, &future_start, &classify),
            );
        }
        Shape::ReturnsFuture { .. } => {
            let future =
                shape::returned_future(block).expect("the shape was recognised on this body");
            let body = pinned_body(&future.block, output.as_ref(), opaque);
            let capture = future.capture;
            replace_statements(
                &mut future.block,
                run_future(&prelude, quote!(#capture), &body, &future_start, &classify),
            );
        }
    }
}

/// An async body's statements: the prelude, then the body as a future (with `capture`) driven
/// under the call `start` starts.
fn run_future(
    prelude: &TokenStream,
    capture: TokenStream,
    body: &TokenStream,
    start: &TokenStream,
    classify: &TokenStream,
) -> TokenStream {
    quote! {
        #prelude
        let __tripod_body = async #capture #body;
        #start.run_async(__tripod_body, #classify).await
    }
}

/// Replaces a block's statements, keeping its braces: their spans are the user's, so the item
/// still counts as the user's code (the `dead_code` lint, for one, skips generated items).
fn replace_statements(block: &mut Block, statements: TokenStream) {
    block.stmts = Block::parse_within
        .parse2(statements)
        .expect("generated statements parse");
}

/// Everything an expansion needs besides the body.
struct Parts {
    prelude: TokenStream,
    classify: TokenStream,
    /// Whether the call has labels computed per call (`__tripod_labels`).
    labelled: bool,
}

/// The call site's statics and span, and the closure that classifies the result.
fn parts(args: &ObserveArgs, name: &str, ident: &syn::Ident, opaque: bool) -> Parts {
    let level = format_ident!("{}", args.level.map_or("INFO", |level| level.constant));
    let failure_level = args
        .failure_level
        .map(|level| format_ident!("{}", level.constant));
    // Constant labels go into the site; computed ones are evaluated on each call, before the
    // body takes the arguments, into owned text (and only when a recorder listens).
    let mut label_keys = Vec::new();
    let mut label_values = Vec::new();
    let mut computed_keys = Vec::new();
    let mut computed = Vec::new();
    for label in args.labels() {
        let key = label.key.unraw().to_string();
        match &label.value {
            LabelValue::Literal(value) => {
                label_keys.push(key);
                label_values.push(value);
            }
            LabelValue::Computed(Sigil::Display(_), value) => {
                computed_keys.push(key);
                computed
                    .push(quote_spanned!(value.span()=> &(#value) as &dyn ::core::fmt::Display));
            }
            LabelValue::Computed(Sigil::Debug(_), value) => {
                computed_keys.push(key);
                computed.push(
                    quote_spanned!(value.span()=> &::tripod::__private::DebugLabel(&(#value)) as &dyn ::core::fmt::Display),
                );
            }
        }
    }
    let label_values_now = (!computed.is_empty()).then(|| {
        quote! {
            let __tripod_labels = ::tripod::__private::label_values(&[#(#computed),*]);
        }
    });
    // Fields with a value are evaluated once, bound by reference, and recorded as `tracing`'s
    // own macros record them (`%`: `display`, `?`: `debug`); the others are declared empty.
    let mut bound = Vec::new();
    let mut values = Vec::new();
    let mut names = Vec::new();
    let field_values = args
        .fields()
        .iter()
        .map(|field| {
            let key = &field.key;
            names.push(
                key.iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join("."),
            );
            let Some(value) = &field.value else {
                return quote!(::core::option::Option::None);
            };
            let var = format_ident!("__tripod_f{}", bound.len());
            let recorded = match &field.sigil {
                // Spanned at the sigil: a value without `Display` (or `Debug`) is reported there.
                Some(Sigil::Display(token)) => {
                    quote_spanned!(token.span=> &::tripod::__private::tracing::field::display(&#var))
                }
                Some(Sigil::Debug(token)) => {
                    quote_spanned!(token.span=> &::tripod::__private::tracing::field::debug(&#var))
                }
                None => quote!(&#var),
            };
            bound.push(var);
            values.push(value);
            quote!(::core::option::Option::Some(#recorded as &dyn ::tripod::__private::Value))
        })
        .collect::<Vec<_>>();
    let ret = args.ret.map(|span| quote_spanned!(span=> "return"));
    let still_running = match args.still_running_after {
        None => quote!(),
        Some(None) => quote!(off),
        Some(Some(millis)) => quote!(#millis),
    };
    let objective = args.objective.as_ref().map(|objective| {
        let success = objective
            .success
            .map(proc_macro2::Literal::f64_suffixed)
            .into_iter();
        let latency = objective.latency.map(|(millis, target)| {
            let target = proc_macro2::Literal::f64_suffixed(target);
            quote!(#millis, #target)
        });
        quote!(success: [#(#success)*], latency: [#latency])
    });
    // Spanned at the function's name: `line!()` in the runtime's macros gives its line.
    let at = ident.span();
    let prelude = quote_spanned! {at=>
        fn __tripod_here() {}
        static __TRIPOD_SITE: ::tripod::__private::Site = ::tripod::__private::site!(
            name: #name, level: #level, failure_level: [#failure_level],
            labels: [#((#label_keys, #label_values)),*], computed: [#(#computed_keys),*],
            still_running: [#still_running], objective: [#objective]
        );
        let __tripod_span = ::tripod::__private::span!(
            site: __TRIPOD_SITE, name: #name, level: #level, here: __tripod_here,
            bind: [#(#bound = #values),*], names: [#(#names),*], values: [#(#field_values),*],
            ret: [#ret]
        );
        #label_values_now
    };
    let labelled = !computed_keys.is_empty();
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
    Parts {
        prelude,
        classify,
        labelled,
    }
}

/// The expression that starts a call with `outcomes`.
fn start(labelled: bool, outcomes: TokenStream) -> TokenStream {
    if labelled {
        quote! {
            ::tripod::__private::Call::start_labelled(
                &__TRIPOD_SITE, __tripod_span, #outcomes, __tripod_labels,
            )
        }
    } else {
        quote!(::tripod::__private::Call::start(&__TRIPOD_SITE, __tripod_span, #outcomes))
    }
}

/// The body, led by a never-taken `return` of the declared type (each `impl Trait` in it left to
/// inference): the closure or async block then has the function's return type (so `?` converts
/// errors as it would in the function), and a wrong value is reported at the user's line. When
/// the user's statements declare items, they keep a block of their own, so an item (`use
/// Bar::*`) cannot shadow a name of the return type.
fn pinned_body(block: &Block, returned: Option<&Type>, opaque: bool) -> TokenStream {
    let fake = match returned {
        Some(_) if opaque => quote!(),
        Some(ty) => {
            let ty = shape::infer_impl_trait(ty);
            fake_return(ty.span(), quote!(#ty))
        }
        None => fake_return(block.brace_token.span.open(), quote!(())),
    };
    let brace = block.brace_token.span.join();
    if block
        .stmts
        .iter()
        .any(|stmt| matches!(stmt, syn::Stmt::Item(_)))
    {
        // Items (a `use Bar::*`) are visible in their whole block, the pinning `return` included:
        // the user's block keeps its own scope.
        quote_spanned!(brace=> { #fake #block })
    } else {
        // No item to shadow anything: the statements go in as they are (a block around a lone
        // expression would draw `unused_braces` at the user's braces).
        let stmts = &block.stmts;
        quote_spanned!(brace=> { #fake #(#stmts)* })
    }
}

/// Spanned at the return type, so "return type inferred to be ..." notes point at it.
fn fake_return(at: Span, ty: TokenStream) -> TokenStream {
    quote_spanned! {at=>
        #[allow(unreachable_code, clippy::diverging_sub_expression, clippy::empty_loop, clippy::let_unit_value, clippy::needless_return)]
        if false {
            let __tripod_fake_return: #ty = loop {};
            return __tripod_fake_return;
        }
    }
}
