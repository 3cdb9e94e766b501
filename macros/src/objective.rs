//! `objective(success = 99.9, latency = "250ms", latency_target = 99)`: an operation's
//! service-level objective, parsed and checked (each value out of range an error at its tokens).

use syn::parse::ParseStream;
use syn::{Expr, Ident, Lit, Token};

use crate::list::{Errors, parse_list};

/// The share of calls the latency part expects within its threshold when `latency_target` is
/// not given, in percent.
const DEFAULT_LATENCY_TARGET: f64 = 0.99;

/// A parsed objective: at least one of its two parts, its shares as ratios (`0.999`, read from
/// the percentage's digits so that `99.9` gives the `f64` nearest 0.999).
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Objective {
    /// `success = 99.9`: the share of calls that succeed.
    pub(crate) success: Option<f64>,
    /// `latency = "250ms"` and `latency_target = 99`: the threshold in milliseconds and the
    /// share of calls that finish within it.
    pub(crate) latency: Option<(u64, f64)>,
}

/// Parses the entries inside `objective(...)` (the keyword is `keyword`); `None` when a mistake
/// was reported.
pub(crate) fn parse(
    content: ParseStream<'_>,
    keyword: &Ident,
    errors: &mut Errors,
) -> Option<Objective> {
    let mut success = None;
    let mut latency = None;
    let mut target: Option<(Ident, Option<f64>)> = None;
    let mut seen: Vec<String> = Vec::new();
    let mut valid = true;
    parse_list(content, errors, |entry, errors| {
        let key: Ident = entry.parse()?;
        let name = key.to_string();
        entry
            .parse::<Token![=]>()
            .map_err(|_| syn::Error::new(key.span(), format!("expected `{name} = ...`")))?;
        let value: Expr = entry.parse()?;
        if seen.contains(&name) {
            errors.spanned(&key, format!("duplicate `{name}` in `objective(...)`"));
            valid = false;
            return Ok(());
        }
        seen.push(name.clone());
        match name.as_str() {
            "success" => match percentage(&value) {
                Some(percent) => success = Some(percent),
                None => {
                    errors.spanned(&value, "`success` is the percentage of calls that succeed: a number above 0 and below 100, such as `99.9`");
                    valid = false;
                }
            },
            "latency_target" => match percentage(&value) {
                Some(percent) => target = Some((key, Some(percent))),
                None => {
                    errors.spanned(&value, "`latency_target` is the percentage of calls that finish within `latency`: a number above 0 and below 100, such as `99`");
                    target = Some((key, None));
                    valid = false;
                }
            },
            "latency" => match &value {
                Expr::Lit(syn::ExprLit {
                    lit: Lit::Str(text),
                    ..
                }) => match crate::duration::millis(&text.value()) {
                    Ok(0) => {
                        errors.spanned(text, "`latency` must be above zero");
                        valid = false;
                    }
                    Ok(millis) => latency = Some(millis),
                    Err(reason) => {
                        errors.spanned(text, format!("`latency`: {reason}"));
                        valid = false;
                    }
                },
                other => {
                    errors.spanned(
                        other,
                        "`latency` takes a string literal: `latency = \"250ms\"`",
                    );
                    valid = false;
                }
            },
            _ => {
                errors.spanned(&key, format!("unknown objective `{name}`: expected `success`, `latency` or `latency_target`"));
                valid = false;
            }
        }
        Ok(())
    });
    if let Some((key, _)) = &target
        && latency.is_none()
        && !seen.iter().any(|name| name == "latency")
    {
        errors.spanned(
            key,
            "`latency_target` needs the threshold it is a target for: add `latency = \"250ms\"`",
        );
        valid = false;
    }
    if seen.is_empty() {
        errors.spanned(
            keyword,
            "an objective needs `success = 99.9`, `latency = \"250ms\"`, or both",
        );
        valid = false;
    }
    let latency_target = target
        .and_then(|(_, percent)| percent)
        .unwrap_or(DEFAULT_LATENCY_TARGET);
    valid.then(|| Objective {
        success,
        latency: latency.map(|millis| (millis, latency_target)),
    })
}

/// A number literal (`99.9`, `99`) above 0 and below 100, as a ratio (`0.999`).
fn percentage(value: &Expr) -> Option<f64> {
    let Expr::Lit(syn::ExprLit { lit, .. }) = value else {
        return None;
    };
    let digits = match lit {
        Lit::Float(float) if float.suffix().is_empty() => float.base10_digits(),
        Lit::Int(int) if int.suffix().is_empty() => int.base10_digits(),
        _ => return None,
    };
    let ratio = format!("{digits}e-2").parse::<f64>().ok()?;
    (ratio > 0.0 && ratio < 1.0).then_some(ratio)
}

#[cfg(test)]
mod tests {
    use super::*;
    use quote::quote;
    use syn::parse::Parser;

    fn parsed(tokens: proc_macro2::TokenStream) -> (Option<Objective>, Vec<String>) {
        let mut errors = Errors::default();
        let keyword = Ident::new("objective", proc_macro2::Span::call_site());
        let objective = (|input: ParseStream<'_>| Ok(parse(input, &keyword, &mut errors)))
            .parse2(tokens)
            .unwrap();
        let messages = errors
            .finish()
            .err()
            .map(|error| error.into_iter().map(|e| e.to_string()).collect())
            .unwrap_or_default();
        (objective, messages)
    }

    #[test]
    fn percentages_become_the_nearest_ratio_and_the_latency_target_defaults_to_99() {
        let (objective, errors) = parsed(quote!(success = 99.9, latency = "250ms"));
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(
            objective,
            Some(Objective {
                success: Some(0.999),
                latency: Some((250, 0.99)),
            })
        );
        let (objective, _) = parsed(quote!(latency = "1s", latency_target = 95));
        assert_eq!(objective.unwrap().latency, Some((1000, 0.95)));
    }

    #[test]
    fn every_value_out_of_range_is_reported_at_once() {
        let (objective, errors) = parsed(quote!(
            success = 100.5,
            latency = "fast",
            latency_target = 0,
            speed = 1
        ));
        assert_eq!(objective, None);
        assert_eq!(errors.len(), 4, "{errors:?}");
        assert!(errors[0].contains("above 0 and below 100"));
        assert!(errors[1].contains("\"250ms\""));
        assert!(errors[3].contains("unknown objective `speed`"));
    }

    #[test]
    fn an_empty_objective_or_a_target_without_latency_is_an_error() {
        assert_eq!(parsed(quote!()).1.len(), 1);
        let (_, errors) = parsed(quote!(success = 99, latency_target = 99));
        assert!(errors[0].contains("needs the threshold"), "{errors:?}");
        let (_, errors) = parsed(quote!(success = 99, success = 98));
        assert!(errors[0].contains("duplicate `success`"), "{errors:?}");
    }
}
