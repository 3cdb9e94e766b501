//! `#[observe]` on an `impl` block: every method with a body is observed as `type.method`.
//!
//! ```text
//! // Input:
//! #[observe(level = "debug", labels(store = "sqlite"))]
//! impl TodoStore {
//!     fn insert(&self, title: &str) -> Result<i64, Error> { .. }
//!     #[observe(name = "db.todos.find", fields(todo.id = id))]
//!     fn find(&self, id: i64) -> Result<Todo, Error> { .. }
//!     #[observe(skip)]
//!     fn pool(&self) -> &Pool { .. }
//! }
//!
//! // Output: the block, with `insert` observed as `todo_store.insert` (debug, store="sqlite"),
//! // `find` as `db.todos.find` (its own options over the block's), `pool` left bare.
//! ```
//!
//! The block's options (`level`, `failure_level`, `labels`) apply to each method; a method's own
//! `#[observe(...)]` overrides them option by option, and `#[observe(skip)]` leaves it bare. The
//! block's `name = "prefix"` replaces the type's name before the dot. `const fn` methods are
//! left bare: they may run at compile time.

use proc_macro2::TokenStream;
use quote::quote;
use syn::ext::IdentExt;
use syn::{Attribute, ImplItem, ItemImpl, Meta, Type};

use crate::args::{self, ObserveArgs, is_name_char};
use crate::function::{default_name, observe_body};
use crate::list::Errors;

/// Observes the block's methods; `None` when a mistake was reported in `errors`.
pub(crate) fn expand(
    block_args: &ObserveArgs,
    mut block: ItemImpl,
    errors: &mut Errors,
) -> Option<TokenStream> {
    let for_methods = "goes on a method's own #[observe(...)], not on the `impl` block";
    if let Some((keyword, _)) = &block_args.fields {
        errors.spanned(keyword, format!("`fields` {for_methods}"));
    }
    if let Some(ret) = block_args.ret {
        errors.push(syn::Error::new(ret, format!("`ret` {for_methods}")));
    }
    for label in block_args.labels() {
        if let args::LabelValue::Computed(_, value) = &label.value {
            errors.spanned(
                value,
                format!("a label computed per call {for_methods}: only a method has the arguments it names"),
            );
        }
    }
    if let Some(skip) = &block_args.skip {
        errors.spanned(
            skip,
            "`skip` goes on a method inside the block, to leave that method unobserved",
        );
    }
    let prefix = match &block_args.name {
        Some(name) => Some(name.value()),
        None => {
            let prefix = type_prefix(&block.self_ty);
            if prefix.is_none() {
                errors.spanned(
                    &block.self_ty,
                    "cannot make an operation name from this type: give the block a name, \
                     like `#[observe(name = \"todos\")]`, to name its methods `todos.method`",
                );
            }
            prefix
        }
    };
    for item in &mut block.items {
        let ImplItem::Fn(method) = item else { continue };
        let own = take_observe_attribute(&mut method.attrs)
            .map(|attr| parse_attribute(&attr))
            .transpose()
            .map_err(|error| errors.push(error))
            .ok()
            .flatten();
        if own.as_ref().is_some_and(|own| own.skip.is_some()) {
            continue;
        }
        if method.sig.constness.is_some() {
            if own.is_some() {
                errors.spanned(
                    method.sig.constness,
                    "#[observe] cannot go on a `const fn`: it records at run time, and a `const fn` may run at compile time",
                );
            }
            continue;
        }
        let args = own.unwrap_or_default().over(block_args);
        let name = match (&args.name, &prefix) {
            (Some(name), _) => name.value(),
            (None, Some(prefix)) => {
                let method_name = default_name(&method.sig.ident);
                if !method_name.chars().all(is_name_char) {
                    errors.spanned(
                        &method.sig.ident,
                        format!(
                            "`{method_name}` cannot be part of an operation name (lower-case \
                             ASCII letters, digits, `_` and `.`): give the method \
                             `#[observe(name = \"...\")]`"
                        ),
                    );
                    continue;
                }
                format!("{prefix}.{method_name}")
            }
            (None, None) => continue,
        };
        observe_body(&args, &name, &method.sig, &mut method.block);
    }
    Some(quote!(#block))
}

/// The block with its methods' own `#[observe(...)]`s removed.
pub(crate) fn without_method_attributes(mut block: ItemImpl) -> TokenStream {
    for item in &mut block.items {
        if let ImplItem::Fn(method) = item {
            take_observe_attribute(&mut method.attrs);
        }
    }
    quote!(#block)
}

/// Removes a method's own `#[observe(...)]` (or `#[tripod::observe(...)]`), which the block's
/// expansion handles, so it does not expand a second time.
fn take_observe_attribute(attrs: &mut Vec<Attribute>) -> Option<Attribute> {
    let index = attrs.iter().position(|attr| {
        attr.path()
            .segments
            .last()
            .is_some_and(|segment| segment.ident == "observe")
    })?;
    Some(attrs.remove(index))
}

fn parse_attribute(attr: &Attribute) -> syn::Result<ObserveArgs> {
    match &attr.meta {
        Meta::Path(_) => Ok(ObserveArgs::default()),
        Meta::List(list) => args::parse(list.tokens.clone()),
        Meta::NameValue(pair) => Err(syn::Error::new_spanned(
            pair,
            "expected `#[observe]` or `#[observe(...)]`",
        )),
    }
}

/// The self type's name in snake case (`TodoStore` → `todo_store`, `HTTPClient` →
/// `http_client`); `None` when the type has no name (a reference to one is looked through) or
/// its name has characters an operation name cannot hold.
fn type_prefix(ty: &Type) -> Option<String> {
    match ty {
        Type::Path(path) => {
            let name = snake_case(&path.path.segments.last()?.ident.unraw().to_string());
            (!name.is_empty() && name.chars().all(is_name_char)).then_some(name)
        }
        Type::Reference(reference) => type_prefix(&reference.elem),
        Type::Paren(inner) => type_prefix(&inner.elem),
        Type::Group(inner) => type_prefix(&inner.elem),
        _ => None,
    }
}

/// `CamelCase` to `snake_case`; a run of capitals is one word (`HTTPServer` → `http_server`).
fn snake_case(name: &str) -> String {
    let chars: Vec<char> = name.chars().collect();
    let mut out = String::with_capacity(name.len() + 4);
    for (i, &c) in chars.iter().enumerate() {
        if c.is_uppercase() {
            let previous = i.checked_sub(1).map(|j| chars[j]);
            let next = chars.get(i + 1);
            let starts_word = previous.is_some_and(|p| p.is_lowercase() || p.is_ascii_digit())
                || (previous.is_some_and(char::is_uppercase)
                    && next.is_some_and(|n| n.is_lowercase()));
            if starts_word && !out.ends_with('_') {
                out.push('_');
            }
            out.extend(c.to_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use syn::parse_quote;

    #[test]
    fn type_names_become_snake_case_prefixes() {
        assert_eq!(snake_case("TodoStore"), "todo_store");
        assert_eq!(snake_case("Todos"), "todos");
        assert_eq!(snake_case("HTTPServer"), "http_server");
        assert_eq!(snake_case("Db2Pool"), "db2_pool");
        assert_eq!(snake_case("already_snake"), "already_snake");
        assert_eq!(
            type_prefix(&parse_quote!(crate::db::TodoStore)),
            Some("todo_store".into())
        );
        assert_eq!(
            type_prefix(&parse_quote!(Cache<K, V>)),
            Some("cache".into())
        );
        assert_eq!(type_prefix(&parse_quote!(&'a Repo)), Some("repo".into()));
        assert_eq!(type_prefix(&parse_quote!([u8])), None);
        assert_eq!(type_prefix(&parse_quote!(Größe)), None);
    }
}
