//! Parsing and validation of `#[observe(...)]`'s arguments into [`ObserveArgs`].
//!
//! Every mistake of one attribute is collected and reported together, each spanned on its own
//! tokens; parsing goes on after a bad option at the next top-level comma.

use proc_macro2::{Span, TokenStream};
use syn::ext::IdentExt;
use syn::parse::{ParseStream, Parser};
use syn::{Expr, Ident, LitStr, Token};

use crate::list::Errors;
use crate::list::{parse_list, skip_to_comma};

/// The options an attribute may carry, in the order the error message lists them.
const OPTIONS: &str = "`name`, `level`, `failure_level`, `fields`, `labels`, `ret`, `still_running_after`, `objective` (and `skip` on a method of an observed `impl` block)";

/// Label names the runtime sets itself (`name`, `outcome`, `error_type`) or Prometheus adds to
/// histograms and summaries (`le`, `quantile`); a static label may not reuse them.
const RESERVED_LABELS: [&str; 5] = ["name", "outcome", "error_type", "le", "quantile"];

/// The parsed attribute.
#[derive(Clone, Default)]
pub(crate) struct ObserveArgs {
    /// `name = "..."`: already validated.
    pub(crate) name: Option<LitStr>,
    /// `level = "..."`.
    pub(crate) level: Option<Level>,
    /// `failure_level = "..."`: the level of every failure event, whatever the error says.
    pub(crate) failure_level: Option<Level>,
    /// `fields(k = v, ...)`: the keyword, and the entries.
    pub(crate) fields: Option<(Ident, Vec<Field>)>,
    /// `labels(k = "v", ...)`: the keyword, and the entries.
    pub(crate) labels: Option<(Ident, Vec<Label>)>,
    /// `ret`: the span of the keyword, so a missing `Debug` is reported there.
    pub(crate) ret: Option<Span>,
    /// `skip`: the keyword (valid only on a method of an observed `impl` block).
    pub(crate) skip: Option<Ident>,
    /// `still_running_after = "2m"` (`Some(millis)`) or `= "off"` (`None`).
    pub(crate) still_running_after: Option<Option<u64>>,
    /// `objective(success = 99.9, latency = "250ms", latency_target = 99)`.
    pub(crate) objective: Option<crate::objective::Objective>,
}

impl ObserveArgs {
    /// The `fields(...)` entries.
    pub(crate) fn fields(&self) -> &[Field] {
        self.fields.as_ref().map_or(&[], |(_, fields)| fields)
    }

    /// The `labels(...)` entries.
    pub(crate) fn labels(&self) -> &[Label] {
        self.labels.as_ref().map_or(&[], |(_, labels)| labels)
    }

    /// These options, with `defaults`' for those not given (an `impl` block's options under a
    /// method's own attribute). The name is not inherited: a block's name is a prefix.
    pub(crate) fn over(self, defaults: &ObserveArgs) -> ObserveArgs {
        ObserveArgs {
            name: self.name,
            level: self.level.or(defaults.level),
            failure_level: self.failure_level.or(defaults.failure_level),
            fields: self.fields.or_else(|| defaults.fields.clone()),
            labels: self.labels.or_else(|| defaults.labels.clone()),
            ret: self.ret.or(defaults.ret),
            skip: self.skip,
            still_running_after: self.still_running_after.or(defaults.still_running_after),
            objective: self.objective.or_else(|| defaults.objective.clone()),
        }
    }
}

/// A `tracing` level, spelled as the constant's name (`INFO`).
#[derive(Clone, Copy)]
pub(crate) struct Level {
    pub(crate) constant: &'static str,
}

/// One `fields(...)` entry.
#[derive(Clone)]
pub(crate) struct Field {
    /// The dotted key (`user.id`), as its identifiers.
    pub(crate) key: Vec<Ident>,
    /// `%` (Display) or `?` (Debug), when given.
    pub(crate) sigil: Option<Sigil>,
    /// `None` for a field declared without a value (recorded later, if at all).
    pub(crate) value: Option<Expr>,
}

impl Field {
    /// The dotted key as written (`user.id`).
    pub(crate) fn key_string(&self) -> String {
        self.key
            .iter()
            .map(|part| part.unraw().to_string())
            .collect::<Vec<_>>()
            .join(".")
    }
}

/// How a field's value is recorded.
#[derive(Clone)]
pub(crate) enum Sigil {
    Display(Token![%]),
    Debug(Token![?]),
}

/// One `labels(...)` entry.
#[derive(Clone)]
pub(crate) struct Label {
    pub(crate) key: Ident,
    pub(crate) value: LabelValue,
}

/// A label's value: constant, or computed per call.
#[derive(Clone)]
pub(crate) enum LabelValue {
    /// `"classifier"`.
    Literal(LitStr),
    /// `%expr` (Display) or `?expr` (Debug), evaluated on each call.
    Computed(Sigil, Box<Expr>),
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

fn parse_option(
    input: ParseStream<'_>,
    args: &mut ObserveArgs,
    seen: &mut Vec<String>,
    errors: &mut Errors,
) -> syn::Result<()> {
    // `#[observe("ml.inference")]`: the name alone, as `#[instrument("name")]` takes it.
    if input.peek(LitStr) {
        let value: LitStr = input.parse()?;
        if seen.iter().any(|option| option == "name") {
            errors.spanned(&value, "duplicate `name` option");
        }
        seen.push("name".into());
        validate_name(&value, errors);
        args.name.get_or_insert(value);
        return Ok(());
    }
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
        "name"
            | "level"
            | "failure_level"
            | "fields"
            | "labels"
            | "ret"
            | "skip"
            | "still_running_after"
            | "objective"
    ) {
        seen.push(option.clone());
    }
    match option.as_str() {
        "name" => {
            let value = parse_string_value(input, &key)?;
            validate_name(&value, errors);
            args.name.get_or_insert(value);
        }
        "level" | "failure_level" => match parse_level(input, &key, errors)? {
            Some(constant) if option == "level" => {
                args.level.get_or_insert(Level { constant });
            }
            Some(constant) => {
                args.failure_level.get_or_insert(Level { constant });
            }
            None => {}
        },
        "fields" => {
            let content = parenthesized(
                input,
                &key,
                "fields(user.id = id, input.length = text.len())",
            )?;
            let mut fields: Vec<Field> = Vec::new();
            parse_list(&content, errors, |entry, errors| {
                let field = parse_field(entry)?;
                let name = field.key_string();
                if fields.iter().any(|earlier| earlier.key_string() == name) {
                    let key = &field.key;
                    errors.spanned(
                        quote::quote!(#(#key).*),
                        format!("duplicate field `{name}`: each key may appear once"),
                    );
                }
                fields.push(field);
                Ok(())
            });
            args.fields.get_or_insert((key, fields));
        }
        "labels" => {
            let content = parenthesized(input, &key, "labels(model_name = \"classifier\")")?;
            let mut labels: Vec<Label> = Vec::new();
            parse_list(&content, errors, |entry, errors| {
                let label = parse_label(entry, errors)?;
                if labels
                    .iter()
                    .any(|earlier| earlier.key.unraw() == label.key.unraw())
                {
                    errors.spanned(
                        &label.key,
                        format!(
                            "duplicate label `{}`: each key may appear once",
                            label.key.unraw()
                        ),
                    );
                }
                labels.push(label);
                Ok(())
            });
            args.labels.get_or_insert((key, labels));
        }
        "still_running_after" => {
            let value = parse_string_value(input, &key)?;
            match parse_still_running(&value) {
                Ok(after) => {
                    args.still_running_after.get_or_insert(after);
                }
                Err(message) => errors.spanned(&value, message),
            }
        }
        "objective" => {
            let content = parenthesized(
                input,
                &key,
                "objective(success = 99.9, latency = \"250ms\", latency_target = 99)",
            )?;
            if let Some(objective) = crate::objective::parse(&content, &key, errors) {
                args.objective.get_or_insert(objective);
            }
        }
        "skip" if input.peek(syn::token::Paren) => {
            skip_value(input);
            errors.spanned(
                &key,
                "tripod records no argument unless `fields(...)` names it, so there is nothing \
                 to skip: remove `skip(...)` (a bare `skip` leaves a method of an observed \
                 `impl` block unobserved)",
            );
        }
        "ret" | "skip" => {
            if !input.is_empty() && !input.peek(Token![,]) {
                let mut rest = TokenStream::new();
                while !input.is_empty() && !input.peek(Token![,]) {
                    rest.extend([input.parse::<proc_macro2::TokenTree>()?]);
                }
                errors.spanned(
                    rest,
                    format!("`{option}` takes no value: write `{option}` alone"),
                );
            }
            if option == "ret" {
                args.ret.get_or_insert(key.span());
            } else {
                args.skip.get_or_insert(key);
            }
        }
        _ => {
            skip_value(input);
            let message = match option.as_str() {
                "skip_all" => "tripod records no argument unless `fields(...)` names it: remove `skip_all`".to_owned(),
                "err" => "tripod records every `Err` as a failure (event, span status, error counter) without being asked: remove `err`".to_owned(),
                "target" => "`target` is not supported: the events' target is the function's module, as `RUST_LOG` filters expect".to_owned(),
                "parent" | "follows_from" => format!("`{option}` is not supported: an observed call's span is a child of the current span"),
                _ => format!("unknown option `{option}`: expected one of {OPTIONS}"),
            };
            errors.spanned(&key, message);
        }
    }
    Ok(())
}

/// A level: a string in any case (`"warn"`, `"WARN"`), a number from 1 (trace) to 5 (error), or
/// a path ending in the constant's name (`Level::WARN`), as `#[instrument]` takes them.
/// `Ok(None)` when the value was reported as an error.
fn parse_level(
    input: ParseStream<'_>,
    key: &Ident,
    errors: &mut Errors,
) -> syn::Result<Option<&'static str>> {
    input
        .parse::<Token![=]>()
        .map_err(|_| syn::Error::new(key.span(), format!("expected `{key} = \"...\"`")))?;
    let expr: Expr = input.parse()?;
    let level = match &expr {
        Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Str(lit),
            ..
        }) => level_constant(&lit.value().to_ascii_lowercase()),
        Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Int(lit),
            ..
        }) => match lit.base10_parse::<u8>().ok() {
            Some(1) => Some("TRACE"),
            Some(2) => Some("DEBUG"),
            Some(3) => Some("INFO"),
            Some(4) => Some("WARN"),
            Some(5) => Some("ERROR"),
            _ => None,
        },
        Expr::Path(path) => path
            .path
            .segments
            .last()
            .and_then(|last| level_constant(&last.ident.to_string().to_ascii_lowercase())),
        _ => None,
    };
    if level.is_none() {
        errors.spanned(
            &expr,
            "unknown level: expected one of \"trace\", \"debug\", \"info\", \"warn\", \"error\"",
        );
    }
    Ok(level)
}

/// `still_running_after`'s value: `"off"` (`None`), or a duration above zero in milliseconds.
fn parse_still_running(value: &LitStr) -> Result<Option<u64>, String> {
    let text = value.value();
    if text.trim() == "off" {
        return Ok(None);
    }
    match crate::duration::millis(&text) {
        Ok(0) => Err("`still_running_after` must be above zero: write \"off\" to never report the call while it runs".to_owned()),
        Ok(millis) => Ok(Some(millis)),
        Err(reason) => Err(format!(
            "`still_running_after`: {reason}, or \"off\""
        )),
    }
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

/// `key.path = [%|?] expr`; `%name` / `?name` for `name = %name` / `name = ?name`; a bare
/// `key.path` declares a field without a value, for `Span::current().record(..)` later.
fn parse_field(input: ParseStream<'_>) -> syn::Result<Field> {
    let not_a_key = |span: Span| {
        syn::Error::new(
            span,
            "a field key is an identifier or a dotted path of identifiers, like `user.id` \
             (computed keys such as `{CONST}` are not supported)",
        )
    };
    if input.peek(Token![%]) || input.peek(Token![?]) {
        let sigil = if input.peek(Token![%]) {
            Sigil::Display(input.parse()?)
        } else {
            Sigil::Debug(input.parse()?)
        };
        let name = Ident::parse_any(input).map_err(|error| not_a_key(error.span()))?;
        let value = syn::parse_quote!(#name);
        return Ok(Field {
            key: vec![name],
            sigil: Some(sigil),
            value: Some(value),
        });
    }
    let mut key = vec![Ident::parse_any(input).map_err(|error| not_a_key(error.span()))?];
    while input.peek(Token![.]) {
        input.parse::<Token![.]>()?;
        key.push(Ident::parse_any(input).map_err(|error| not_a_key(error.span()))?);
    }
    if input.is_empty() || input.peek(Token![,]) {
        return Ok(Field {
            key,
            sigil: None,
            value: None,
        });
    }
    if !input.peek(Token![=]) {
        return Err(if input.peek(Token![::]) {
            not_a_key(input.span())
        } else {
            syn::Error::new(input.span(), "expected `= value` after the field key")
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
    Ok(Field {
        key,
        sigil,
        value: Some(value),
    })
}

/// `key = "literal"`, `key = %expr` or `key = ?expr`, with the key a valid Prometheus label name.
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
    let sigil = if input.peek(Token![%]) {
        Some(Sigil::Display(input.parse()?))
    } else if input.peek(Token![?]) {
        Some(Sigil::Debug(input.parse()?))
    } else {
        None
    };
    let expr: Expr = input.parse()?;
    let value = match (sigil, expr) {
        (Some(sigil), expr) => LabelValue::Computed(sigil, Box::new(expr)),
        (
            None,
            Expr::Lit(syn::ExprLit {
                lit: syn::Lit::Str(lit),
                ..
            }),
        ) => LabelValue::Literal(lit),
        (None, other) => {
            return Err(syn::Error::new_spanned(
                other,
                "a label value is a string literal, or `%expr` (`?expr`) for one computed on each \
                 call (Display or Debug): each distinct value is a new series, so keep them few \
                 (a metric's label sets are capped, 2,000 by default) and record values like ids \
                 with `fields(...)`",
            ));
        }
    };
    let name = key.unraw().to_string();
    if RESERVED_LABELS.contains(&name.as_str()) {
        let who = if matches!(name.as_str(), "le" | "quantile") {
            "Prometheus adds to histograms and summaries"
        } else {
            "tripod sets itself"
        };
        errors.spanned(
            &key,
            format!("`{name}` is a label {who}; choose another label name"),
        );
    } else if !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        errors.spanned(
            &key,
            format!("`{name}` is no Prometheus label name: use ASCII letters, digits and `_`"),
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

pub(crate) fn level_constant(level: &str) -> Option<&'static str> {
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
        assert_eq!(args.name.as_ref().unwrap().value(), "ml.inference");
        assert_eq!(args.level.unwrap().constant, "DEBUG");
        assert_eq!(args.fields().len(), 3);
        assert_eq!(args.fields()[0].key.len(), 2);
        assert!(matches!(args.fields()[1].sigil, Some(Sigil::Display(_))));
        assert!(matches!(args.fields()[2].sigil, Some(Sigil::Debug(_))));
        assert!(
            matches!(&args.labels()[0].value, LabelValue::Literal(value) if value.value() == "classifier")
        );
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
        assert!(errors[3].contains("a label value is a string literal"));
        assert!(errors[4].contains("takes no value"));
    }

    #[test]
    fn labels_take_literals_or_values_computed_with_a_sigil() {
        let args =
            parse(quote!(labels(kind = "text", model = %model.name(), tier = ?tier))).unwrap();
        let values: Vec<&str> = args
            .labels()
            .iter()
            .map(|label| match &label.value {
                LabelValue::Literal(_) => "literal",
                LabelValue::Computed(Sigil::Display(_), _) => "display",
                LabelValue::Computed(Sigil::Debug(_), _) => "debug",
            })
            .collect();
        assert_eq!(values, ["literal", "display", "debug"]);
        let errors = errors_of(quote!(labels(user = user_id)));
        assert!(errors[0].contains("`%expr`"), "{errors:#?}");
    }

    #[test]
    fn duplicates_and_reserved_labels_are_rejected() {
        let errors = errors_of(quote!(ret, ret, labels(outcome = "x", __x = "y")));
        assert_eq!(errors.len(), 3, "{errors:#?}");
    }

    #[test]
    fn labels_an_exporter_adds_repeated_keys_and_non_ascii_names_are_rejected() {
        let errors = errors_of(quote!(labels(
            le = "x",
            quantile = "y",
            a = "1",
            a = "2",
            größe = "3"
        )));
        assert_eq!(errors.len(), 4, "{errors:#?}");
        assert!(errors[0].contains("Prometheus adds"), "{errors:#?}");
        assert!(errors[2].contains("duplicate label `a`"), "{errors:#?}");
        assert!(
            errors[3].contains("no Prometheus label name"),
            "{errors:#?}"
        );
        let errors = errors_of(quote!(fields(user.id = 1, user.id = 2, user = 3)));
        assert_eq!(errors.len(), 1, "{errors:#?}");
        assert!(errors[0].contains("duplicate field `user.id`"));
    }

    #[test]
    fn failure_level_and_skip_parse() {
        let args = parse(quote!(failure_level = "warn", skip)).unwrap();
        assert_eq!(args.failure_level.unwrap().constant, "WARN");
        assert!(args.skip.is_some());
        assert_eq!(errors_of(quote!(failure_level = "loud")).len(), 1);
        assert_eq!(errors_of(quote!(skip(self))).len(), 1);
    }

    #[test]
    fn names_follow_the_contract() {
        assert!(errors_of(quote!(name = "")).len() == 1);
        assert!(errors_of(quote!(name = "a-b")).len() == 1);
        assert!(errors_of(quote!(name = "db.todos_2.insert")).is_empty());
        assert!(errors_of(quote!(name = 3)).len() == 1);
    }

    #[test]
    fn still_running_after_takes_a_duration_above_zero_or_off() {
        let args = parse(quote!(still_running_after = "2m")).unwrap();
        assert_eq!(args.still_running_after, Some(Some(120_000)));
        let args = parse(quote!(still_running_after = "off")).unwrap();
        assert_eq!(args.still_running_after, Some(None));
        let errors = errors_of(quote!(
            still_running_after = "soon",
            level = "loud",
            still_running_after = "1s"
        ));
        assert_eq!(errors.len(), 3, "{errors:#?}");
        assert!(errors[0].contains("whole number and a unit"), "{errors:#?}");
        assert!(errors[2].contains("duplicate"), "{errors:#?}");
        let errors = errors_of(quote!(still_running_after = "0s"));
        assert!(errors[0].contains("above zero"), "{errors:#?}");
    }
}
