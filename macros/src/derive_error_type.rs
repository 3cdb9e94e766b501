//! `#[derive(ErrorType)]`: a low-cardinality `error.type` label from the type's shape, and the
//! level each failure is logged at.
//!
//! ```text
//! // Input:
//! #[derive(ErrorType)]
//! #[error_type(level = "warn")]
//! enum ApiError { NotFound(u64), #[error_type("db", level = "error")] Database(sqlx::Error) }
//!
//! // Output:
//! impl ::tripod::ErrorType for ApiError {
//!     fn error_type(&self) -> &'static str {
//!         match self { Self::NotFound(..) => "NotFound", Self::Database(..) => "db" }
//!     }
//!     fn failure_level(&self) -> ::tripod::Level {
//!         match self { Self::NotFound(..) => ::tripod::Level::WARN, Self::Database(..) => ::tripod::Level::ERROR }
//!     }
//! }
//! ```

use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use syn::parse::ParseStream;
use syn::{Attribute, Data, DeriveInput, Fields, LitStr, Token};

use crate::args::level_constant;
use crate::list::Errors;

pub(crate) fn expand(item: TokenStream) -> TokenStream {
    match derive(item) {
        Ok(tokens) => tokens,
        Err(error) => error.into_compile_error(),
    }
}

/// What one `#[error_type(...)]` says: a label, a level, or both.
#[derive(Default)]
struct Options {
    label: Option<LitStr>,
    level: Option<&'static str>,
}

fn derive(item: TokenStream) -> syn::Result<TokenStream> {
    let input: DeriveInput = syn::parse2(item)?;
    let mut errors = Errors::default();
    let ident = &input.ident;
    let container = options(&input.attrs, &mut errors);
    let level_path = |level: Option<&'static str>| {
        let level = format_ident!("{}", level.unwrap_or("ERROR"));
        quote!(::tripod::Level::#level)
    };
    let (label_body, level_body) = match &input.data {
        Data::Enum(data) => {
            if let Some(label) = &container.label {
                errors.spanned(
                    label,
                    "on an enum, a label goes on each variant; the enum's #[error_type(...)] \
                     takes only `level = \"...\"`",
                );
            }
            let mut labels = Vec::new();
            let mut levels = Vec::new();
            for variant in &data.variants {
                let name = &variant.ident;
                let own = options(&variant.attrs, &mut errors);
                let label = own
                    .label
                    .map_or_else(|| name.to_string(), |label| label.value());
                let level = level_path(own.level.or(container.level));
                let pattern = match &variant.fields {
                    Fields::Unit => quote!(Self::#name),
                    Fields::Unnamed(_) => quote!(Self::#name(..)),
                    Fields::Named(_) => quote!(Self::#name { .. }),
                };
                labels.push(quote!(#pattern => #label,));
                levels.push(quote!(#pattern => #level,));
            }
            if labels.is_empty() {
                (quote!(match *self {}), quote!(match *self {}))
            } else {
                (
                    quote!(match self { #(#labels)* }),
                    quote!(match self { #(#levels)* }),
                )
            }
        }
        Data::Struct(_) => {
            let label = container
                .label
                .as_ref()
                .map_or_else(|| ident.to_string(), LitStr::value);
            (quote!(#label), level_path(container.level))
        }
        Data::Union(data) => {
            errors.spanned(
                data.union_token,
                "#[derive(ErrorType)] supports enums and structs, not unions",
            );
            (quote!(""), quote!(::tripod::Level::ERROR))
        }
    };
    errors.finish()?;
    let (impl_generics, type_generics, where_clause) = input.generics.split_for_impl();
    Ok(quote! {
        impl #impl_generics ::tripod::ErrorType for #ident #type_generics #where_clause {
            fn error_type(&self) -> &'static str {
                #label_body
            }
            fn failure_level(&self) -> ::tripod::Level {
                #level_body
            }
        }
    })
}

/// The options of an item's `#[error_type(...)]`: `("label")`, `(level = "warn")` or both.
fn options(attrs: &[Attribute], errors: &mut Errors) -> Options {
    let Some(attr) = attrs.iter().find(|attr| attr.path().is_ident("error_type")) else {
        return Options::default();
    };
    let usage = "expected `#[error_type(\"label\")]`, `#[error_type(level = \"warn\")]` or both, \
                 `#[error_type(\"label\", level = \"warn\")]`";
    let parsed = attr.parse_args_with(|input: ParseStream<'_>| {
        let mut options = Options::default();
        if input.peek(LitStr) {
            let label: LitStr = input.parse()?;
            if label.value().is_empty() {
                errors.spanned(&label, "an error type label must not be empty");
            }
            options.label = Some(label);
            if input.is_empty() {
                return Ok(options);
            }
            input.parse::<Token![,]>()?;
        }
        let key: syn::Ident = input.parse()?;
        if key != "level" {
            return Err(syn::Error::new(key.span(), usage));
        }
        input.parse::<Token![=]>()?;
        let level: LitStr = input.parse()?;
        match level_constant(&level.value()) {
            Some(constant) => options.level = Some(constant),
            None => errors.spanned(
                &level,
                "unknown level: expected one of \"trace\", \"debug\", \"info\", \"warn\", \"error\"",
            ),
        }
        let _ = input.parse::<Option<Token![,]>>()?;
        Ok(options)
    });
    parsed.unwrap_or_else(|_| {
        errors.spanned(attr, usage);
        Options::default()
    })
}
