//! `#[derive(ErrorType)]`: a low-cardinality `error.type` label from the type's shape.
//!
//! ```text
//! // Input:
//! #[derive(ErrorType)]
//! enum ModelError { Timeout, BadInput(String), #[error_type("overloaded")] Busy { retry_in: u64 } }
//!
//! // Output:
//! impl ::tripod::ErrorType for ModelError {
//!     fn error_type(&self) -> &'static str {
//!         match self { Self::Timeout => "Timeout", Self::BadInput(..) => "BadInput", Self::Busy { .. } => "overloaded" }
//!     }
//! }
//! ```

use proc_macro2::TokenStream;
use quote::quote;
use syn::{Attribute, Data, DeriveInput, Fields, LitStr};

use crate::args::Errors;

pub(crate) fn expand(item: TokenStream) -> TokenStream {
    match derive(item) {
        Ok(tokens) => tokens,
        Err(error) => error.into_compile_error(),
    }
}

fn derive(item: TokenStream) -> syn::Result<TokenStream> {
    let input: DeriveInput = syn::parse2(item)?;
    let mut errors = Errors::default();
    let ident = &input.ident;
    let body = match &input.data {
        Data::Enum(data) => {
            let arms = data.variants.iter().map(|variant| {
                let name = &variant.ident;
                let label = rename(&variant.attrs, &mut errors).unwrap_or_else(|| name.to_string());
                let pattern = match &variant.fields {
                    Fields::Unit => quote!(Self::#name),
                    Fields::Unnamed(_) => quote!(Self::#name(..)),
                    Fields::Named(_) => quote!(Self::#name { .. }),
                };
                quote!(#pattern => #label,)
            });
            let arms: Vec<_> = arms.collect();
            if arms.is_empty() {
                quote!(match *self {})
            } else {
                quote!(match self { #(#arms)* })
            }
        }
        Data::Struct(_) => {
            let label = rename(&input.attrs, &mut errors).unwrap_or_else(|| ident.to_string());
            quote!(#label)
        }
        Data::Union(data) => {
            errors.spanned(
                data.union_token,
                "#[derive(ErrorType)] supports enums and structs, not unions",
            );
            quote!("")
        }
    };
    errors.finish()?;
    let (impl_generics, type_generics, where_clause) = input.generics.split_for_impl();
    Ok(quote! {
        impl #impl_generics ::tripod::ErrorType for #ident #type_generics #where_clause {
            fn error_type(&self) -> &'static str {
                #body
            }
        }
    })
}

/// `#[error_type("label")]` replaces the derived label.
fn rename(attrs: &[Attribute], errors: &mut Errors) -> Option<String> {
    let attr = attrs
        .iter()
        .find(|attr| attr.path().is_ident("error_type"))?;
    match attr.parse_args::<LitStr>() {
        Ok(label) if !label.value().is_empty() => Some(label.value()),
        Ok(label) => {
            errors.spanned(label, "an error type label must not be empty");
            None
        }
        Err(_) => {
            errors.spanned(attr, "expected `#[error_type(\"label\")]`");
            None
        }
    }
}
