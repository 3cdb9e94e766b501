//! Comma-separated lists inside an attribute, and the mistakes collected while parsing them: each
//! entry's error is kept and parsing goes on at the next comma, so one compile reports them all.

use syn::Token;
use syn::parse::ParseStream;

/// Collects errors so all of them are reported in one compile.
#[derive(Default)]
pub(crate) struct Errors(Option<syn::Error>);

impl Errors {
    pub(crate) fn push(&mut self, error: syn::Error) {
        match &mut self.0 {
            Some(first) => first.combine(error),
            None => self.0 = Some(error),
        }
    }

    pub(crate) fn spanned(
        &mut self,
        tokens: impl quote::ToTokens,
        message: impl std::fmt::Display,
    ) {
        self.push(syn::Error::new_spanned(tokens, message));
    }

    pub(crate) fn finish(self) -> Result<(), syn::Error> {
        self.0.map_or(Ok(()), Err)
    }
}

/// Consumes tokens up to (not including) the next top-level comma.
pub(crate) fn skip_to_comma(input: ParseStream<'_>) {
    while !input.is_empty() && !input.peek(Token![,]) {
        let _ = input.parse::<proc_macro2::TokenTree>();
    }
}

/// Parses comma-separated entries, collecting each entry's error and going on with the next.
pub(crate) fn parse_list(
    content: ParseStream<'_>,
    errors: &mut Errors,
    mut entry: impl FnMut(ParseStream<'_>, &mut Errors) -> syn::Result<()>,
) {
    while !content.is_empty() {
        if let Err(error) = entry(content, errors) {
            errors.push(error);
            skip_to_comma(content);
        }
        if !content.is_empty()
            && let Err(error) = content.parse::<Token![,]>()
        {
            errors.push(error);
            skip_to_comma(content);
            let _ = content.parse::<Option<Token![,]>>();
        }
    }
}
