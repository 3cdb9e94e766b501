//! Parsing and validation of `#[observe(...)]`'s arguments into [`ObserveArgs`].
//!
//! Every mistake of one attribute is collected and reported together, each spanned on its own
//! tokens; parsing goes on after a bad option at the next top-level comma.

use proc_macro2::{Span, TokenStream};
use syn::ext::IdentExt;
use syn::parse::{ParseStream, Parser};
use syn::{Expr, Ident, LitStr, Token};

/// The options an attribute may carry, in the order the error message lists them.
const OPTIONS: &str = "`name`, `level`, `fields`, `labels`, `ret`";

/// Label names the runtime sets itself; a static label may not reuse them.
const RESERVED_LABELS: [&str; 3] = ["name", "outcome", "error_type"];

/// The parsed attribute.
#[derive(Default)]
pub(crate) struct ObserveArgs {
    /// `name = "..."`: already validated.
    pub(crate) name: Option<LitStr>,
    /// `level = "..."`.
    pub(crate) level: Option<Level>,
    /// `fields(k = v, ...)`.
    pub(crate) fields: Vec<Field>,
    /// `labels(k = "v", ...)`.
    pub(crate) labels: Vec<Label>,
    /// `ret`: the span of the keyword, so a missing `Debug` is reported there.
    pub(crate) ret: Option<Span>,
}

/// A `tracing` level, spelled as the constant's name (`INFO`).
#[derive(Clone, Copy)]
pub(crate) struct Level {
    pub(crate) constant: &'static str,
}

/// One `fields(...)` entry.
pub(crate) struct Field {
    /// The dotted key (`user.id`), as its identifiers.
    pub(crate) key: Vec<Ident>,
    /// `%` (Display) or `?` (Debug), when given.
    pub(crate) sigil: Option<Sigil>,
    pub(crate) value: Expr,
}

/// How a field's value is recorded.
pub(crate) enum Sigil {
    Display(Token![%]),
    Debug(Token![?]),
}

/// One `labels(...)` entry.
pub(crate) struct Label {
    pub(crate) key: Ident,
    pub(crate) value: LitStr,
}

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

/// Parses the attribute's tokens; `Err` holds every mistake found.
pub(crate) fn parse(tokens: TokenStream) -> Result<ObserveArgs, syn::Error> {
    let mut errors = Errors::default();
    let mut args = ObserveArgs::default();
    let parser = |input: ParseStream<'_>| {
        let mut seen: Vec<String> = Vec::new();
        parse_list(input, &mut errors, |option, errors| {
            parse_option(option, &mut args, &mut seen, errors)
        });
        Ok(())
    };
    parser.parse2(tokens)?;
    errors.finish()?;
    Ok(args)
}

/// Consumes tokens up to (not including) the next top-level comma.
fn skip_to_comma(input: ParseStream<'_>) {
    while !input.is_empty() && !input.peek(Token![,]) {
        let _ = input.parse::<proc_macro2::TokenTree>();
    }
}

fn parse_option(
    input: ParseStream<'_>,
    args: &mut ObserveArgs,
    seen: &mut Vec<String>,
    errors: &mut Errors,
) -> syn::Result<()> {
    let key = Ident::parse_any(input).map_err(|error| {
        syn::Error::new(
            error.span(),
            format!("expected an option: one of {OPTIONS}"),
        )
    })?;
    let option = key.to_string();
    if seen.contains(&option) {
        errors.spanned(&key, format!("duplicate `{option}` option"));
    } else if matches!(
        option.as_str(),
        "name" | "level" | "fields" | "labels" | "ret"
    ) {
        seen.push(option.clone());
    }
    match option.as_str() {
        "name" => {
            let value = parse_string_value(input, &key)?;
            validate_name(&value, errors);
            args.name.get_or_insert(value);
        }
        "level" => {
            let value = parse_string_value(input, &key)?;
            match level_constant(&value.value()) {
                Some(constant) => {
                    args.level.get_or_insert(Level { constant });
                }
                None => errors.spanned(
                    &value,
                    "unknown level: expected one of \"trace\", \"debug\", \"info\", \"warn\", \"error\"",
                ),
            }
        }
        "fields" => {
            let content = parenthesized(
                input,
                &key,
                "fields(user.id = id, input.length = text.len())",
            )?;
            parse_list(&content, errors, |entry, _| {
                args.fields.push(parse_field(entry)?);
                Ok(())
            });
        }
        "labels" => {
            let content = parenthesized(input, &key, "labels(model_name = \"classifier\")")?;
            parse_list(&content, errors, |entry, errors| {
                let label = parse_label(entry, errors)?;
                args.labels.push(label);
                Ok(())
            });
        }
        "ret" => {
            if !input.is_empty() && !input.peek(Token![,]) {
                let mut rest = TokenStream::new();
                while !input.is_empty() && !input.peek(Token![,]) {
                    rest.extend([input.parse::<proc_macro2::TokenTree>()?]);
                }
                errors.spanned(rest, "`ret` takes no value: write `ret` alone");
            }
            args.ret.get_or_insert(key.span());
        }
        _ => {
            skip_value(input);
            errors.spanned(
                &key,
                format!("unknown option `{option}`: expected one of {OPTIONS}"),
            );
        }
    }
    Ok(())
}

/// Skips `= value` or `(...)` after an unknown option, so its value raises no second error.
fn skip_value(input: ParseStream<'_>) {
    skip_to_comma(input);
}

/// Parses `= "literal"`.
fn parse_string_value(input: ParseStream<'_>, key: &Ident) -> syn::Result<LitStr> {
    input
        .parse::<Token![=]>()
        .map_err(|_| syn::Error::new(key.span(), format!("expected `{key} = \"...\"`")))?;
    let expr: Expr = input.parse()?;
    match expr {
        Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Str(lit),
            ..
        }) => Ok(lit),
        other => Err(syn::Error::new_spanned(
            other,
            format!("`{key}` takes a string literal"),
        )),
    }
}

/// Parses `( ... )`, returning its contents.
fn parenthesized<'a>(
    input: ParseStream<'a>,
    key: &Ident,
    example: &str,
) -> syn::Result<syn::parse::ParseBuffer<'a>> {
    if !input.peek(syn::token::Paren) {
        return Err(syn::Error::new(
            key.span(),
            format!("expected a list: `{example}`"),
        ));
    }
    let content;
    syn::parenthesized!(content in input);
    Ok(content)
}

/// Parses comma-separated entries, collecting each entry's error and going on with the next.
fn parse_list(
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

/// `key.path = [%|?] expr`
fn parse_field(input: ParseStream<'_>) -> syn::Result<Field> {
    let not_a_key = |span: Span| {
        syn::Error::new(
            span,
            "a field key is an identifier or a dotted path of identifiers, like `user.id`",
        )
    };
    let mut key = vec![Ident::parse_any(input).map_err(|error| not_a_key(error.span()))?];
    while input.peek(Token![.]) {
        input.parse::<Token![.]>()?;
        key.push(Ident::parse_any(input).map_err(|error| not_a_key(error.span()))?);
    }
    if !input.peek(Token![=]) {
        let span = if input.is_empty() {
            key[key.len() - 1].span()
        } else {
            input.span()
        };
        return Err(if input.peek(Token![::]) {
            not_a_key(input.span())
        } else {
            syn::Error::new(span, "expected `= value` after the field key")
        });
    }
    input.parse::<Token![=]>()?;
    let sigil = if input.peek(Token![%]) {
        Some(Sigil::Display(input.parse()?))
    } else if input.peek(Token![?]) {
        Some(Sigil::Debug(input.parse()?))
    } else {
        None
    };
    let value = input.parse()?;
    Ok(Field { key, sigil, value })
}

/// `key = "literal"`, with the key a valid Prometheus label name.
fn parse_label(input: ParseStream<'_>, errors: &mut Errors) -> syn::Result<Label> {
    let key = Ident::parse_any(input).map_err(|error| {
        syn::Error::new(
            error.span(),
            "a label key is an identifier, like `model_name`",
        )
    })?;
    input
        .parse::<Token![=]>()
        .map_err(|error| syn::Error::new(error.span(), format!("expected `{key} = \"value\"`")))?;
    let expr: Expr = input.parse()?;
    let value = match expr {
        Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Str(lit),
            ..
        }) => lit,
        other => {
            return Err(syn::Error::new_spanned(
                other,
                "label values must be string literals, so metric cardinality stays bounded; \
                 record per-call values with `fields(...)` instead",
            ));
        }
    };
    let name = key.unraw().to_string();
    if RESERVED_LABELS.contains(&name.as_str()) {
        errors.spanned(
            &key,
            format!("`{name}` is a label tripod sets itself; choose another label name"),
        );
    } else if name.starts_with("__") {
        errors.spanned(
            &key,
            "label names starting with `__` are reserved by Prometheus",
        );
    }
    Ok(Label { key, value })
}

/// Checks DESIGN.md's rule for names: lower-case ASCII letters, digits, `_` and `.`, not empty.
fn validate_name(name: &LitStr, errors: &mut Errors) {
    let value = name.value();
    if value.is_empty() {
        errors.spanned(name, "`name` must not be empty");
    } else if let Some(bad) = value.chars().find(|c| !is_name_char(*c)) {
        errors.spanned(
            name,
            format!("`name` may contain only lower-case ASCII letters, digits, `_` and `.`; found {bad:?}"),
        );
    }
}

/// Whether `c` may appear in an operation name.
pub(crate) fn is_name_char(c: char) -> bool {
    c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '.'
}

fn level_constant(level: &str) -> Option<&'static str> {
    Some(match level {
        "trace" => "TRACE",
        "debug" => "DEBUG",
        "info" => "INFO",
        "warn" => "WARN",
        "error" => "ERROR",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use quote::quote;

    fn errors_of(tokens: TokenStream) -> Vec<String> {
        match parse(tokens) {
            Ok(_) => Vec::new(),
            Err(error) => error.into_iter().map(|e| e.to_string()).collect(),
        }
    }

    #[test]
    fn every_option_parses() {
        let args = parse(quote!(name = "ml.inference", level = "debug", fields(input.length = text.len(), user = %u, e = ?e), labels(model_name = "classifier"), ret)).unwrap();
        assert_eq!(args.name.unwrap().value(), "ml.inference");
        assert_eq!(args.level.unwrap().constant, "DEBUG");
        assert_eq!(args.fields.len(), 3);
        assert_eq!(args.fields[0].key.len(), 2);
        assert!(matches!(args.fields[1].sigil, Some(Sigil::Display(_))));
        assert!(matches!(args.fields[2].sigil, Some(Sigil::Debug(_))));
        assert_eq!(args.labels[0].value.value(), "classifier");
        assert!(args.ret.is_some());
    }

    #[test]
    fn an_empty_attribute_is_valid() {
        assert!(parse(TokenStream::new()).is_ok());
    }

    #[test]
    fn all_mistakes_of_one_attribute_are_reported_together() {
        let errors = errors_of(quote!(
            nmae = "x",
            level = "loud",
            name = "Bad Name",
            labels(a = b),
            ret = true
        ));
        assert_eq!(errors.len(), 5, "{errors:#?}");
        assert!(errors[0].contains("unknown option `nmae`"));
        assert!(errors[1].contains("unknown level"));
        assert!(errors[2].contains("lower-case"));
        assert!(errors[3].contains("string literals"));
        assert!(errors[4].contains("takes no value"));
    }

    #[test]
    fn duplicates_and_reserved_labels_are_rejected() {
        let errors = errors_of(quote!(ret, ret, labels(outcome = "x", __x = "y")));
        assert_eq!(errors.len(), 3, "{errors:#?}");
    }

    #[test]
    fn names_follow_the_contract() {
        assert!(errors_of(quote!(name = "")).len() == 1);
        assert!(errors_of(quote!(name = "a-b")).len() == 1);
        assert!(errors_of(quote!(name = "db.todos_2.insert")).is_empty());
        assert!(errors_of(quote!(name = 3)).len() == 1);
    }
}
