//! Recognising what an observed function returns, structurally (never from its token string).

use syn::{Block, Expr, GenericArgument, PathArguments, ReturnType, Stmt, Type, TypeParamBound};

/// Where the observed work of a function happens.
pub(crate) enum Shape {
    /// A plain function: the body runs inside the call.
    Sync,
    /// An `async fn`: the body runs when the future is polled.
    Async,
    /// A function whose body ends in the future it returns: an `async` block (`move` or not)
    /// for `-> impl Future<Output = T>`, or `Box::pin(async ...)` for `Pin<Box<dyn Future>>` and
    /// `BoxFuture<'_, T>`, as `#[async_trait]` writes it. The future is timed, not its
    /// construction.
    ReturnsFuture {
        /// The `Output` of the `Future` bound in the return type.
        output: Option<Box<Type>>,
    },
}

impl Shape {
    /// Decides the shape from the signature and the body.
    pub(crate) fn of(sig: &syn::Signature, block: &mut Block) -> Shape {
        if sig.asyncness.is_some() {
            return Shape::Async;
        }
        let ReturnType::Type(_, returned) = &sig.output else {
            return Shape::Sync;
        };
        match future_output(returned) {
            Some(output) if returned_future(block).is_some() => Shape::ReturnsFuture {
                output: output.map(Box::new),
            },
            _ => Shape::Sync,
        }
    }
}

/// The `async` block a body returns last, alone or as `Box::pin`'s argument.
pub(crate) fn returned_future(block: &mut Block) -> Option<&mut syn::ExprAsync> {
    let Some(Stmt::Expr(last, None)) = block.stmts.last_mut() else {
        return None;
    };
    let boxed =
        matches!(&*last, Expr::Call(call) if is_box_pin(&call.func) && call.args.len() == 1);
    if !boxed {
        return async_move(last);
    }
    let Expr::Call(call) = last else { return None };
    async_move(call.args.first_mut()?)
}

fn async_move(expr: &mut Expr) -> Option<&mut syn::ExprAsync> {
    match expr {
        Expr::Async(block) => Some(block),
        _ => None,
    }
}

/// `Box::pin`, with any leading path (`::std::boxed::Box::pin`).
fn is_box_pin(func: &Expr) -> bool {
    let Expr::Path(path) = func else { return false };
    let segments: Vec<String> = path
        .path
        .segments
        .iter()
        .map(|s| s.ident.to_string())
        .collect();
    segments.ends_with(&["Box".to_owned(), "pin".to_owned()])
}

/// For a return type naming a `Future` (`impl Future<Output = T>`,
/// `Pin<Box<dyn Future<Output = T> + Send + 'a>>`, or futures' `BoxFuture<'a, T>` and
/// `LocalBoxFuture<'a, T>`): `Some(Some(T))`, or `Some(None)` when the bound names no `Output`.
/// `None` when the type is no future.
fn future_output(ty: &Type) -> Option<Option<Type>> {
    if let Type::Path(path) = ty
        && let Some(last) = path.path.segments.last()
        && (last.ident == "BoxFuture" || last.ident == "LocalBoxFuture")
    {
        let PathArguments::AngleBracketed(args) = &last.arguments else {
            return Some(None);
        };
        return Some(args.args.iter().find_map(|arg| match arg {
            GenericArgument::Type(output) => Some(output.clone()),
            _ => None,
        }));
    }
    match ty {
        Type::ImplTrait(bounded) => bounds_output(bounded.bounds.iter()),
        Type::TraitObject(bounded) => bounds_output(bounded.bounds.iter()),
        Type::Paren(inner) => future_output(&inner.elem),
        Type::Group(inner) => future_output(&inner.elem),
        Type::Path(path) => {
            let last = path.path.segments.last()?;
            if last.ident != "Pin" && last.ident != "Box" {
                return None;
            }
            let PathArguments::AngleBracketed(args) = &last.arguments else {
                return None;
            };
            args.args.iter().find_map(|arg| match arg {
                GenericArgument::Type(inner) => future_output(inner),
                _ => None,
            })
        }
        _ => None,
    }
}

fn bounds_output<'a>(mut bounds: impl Iterator<Item = &'a TypeParamBound>) -> Option<Option<Type>> {
    bounds.find_map(|bound| {
        let TypeParamBound::Trait(trait_bound) = bound else {
            return None;
        };
        let last = trait_bound.path.segments.last()?;
        if last.ident != "Future" {
            return None;
        }
        let PathArguments::AngleBracketed(args) = &last.arguments else {
            return Some(None);
        };
        Some(args.args.iter().find_map(|arg| match arg {
            GenericArgument::AssocType(assoc) if assoc.ident == "Output" => Some(assoc.ty.clone()),
            _ => None,
        }))
    })
}

/// Whether `ty` is itself an `impl Trait` (so the function's result is opaque and never a failure).
pub(crate) fn is_impl_trait(ty: &Type) -> bool {
    match ty {
        Type::ImplTrait(_) => true,
        Type::Paren(inner) => is_impl_trait(&inner.elem),
        Type::Group(inner) => is_impl_trait(&inner.elem),
        _ => false,
    }
}

/// `ty` with each `impl Trait` in it replaced by `_`, so it can annotate a `let`: the rest of the
/// type (a `Result`'s error, say) is still pinned, and the opaque parts are inferred.
pub(crate) fn infer_impl_trait(ty: &Type) -> Type {
    struct Replace;
    impl syn::visit_mut::VisitMut for Replace {
        fn visit_type_mut(&mut self, ty: &mut Type) {
            if let Type::ImplTrait(bounded) = ty {
                *ty = Type::Infer(syn::TypeInfer {
                    underscore_token: syn::Token![_](syn::spanned::Spanned::span(bounded)),
                });
            } else {
                syn::visit_mut::visit_type_mut(self, ty);
            }
        }
    }
    let mut ty = ty.clone();
    syn::visit_mut::VisitMut::visit_type_mut(&mut Replace, &mut ty);
    ty
}

/// Whether `ty` mentions `impl Trait` anywhere: such a type cannot annotate a `let`.
#[cfg(test)]
pub(crate) fn mentions_impl_trait(ty: &Type) -> bool {
    match ty {
        Type::ImplTrait(_) => true,
        Type::Paren(inner) => mentions_impl_trait(&inner.elem),
        Type::Group(inner) => mentions_impl_trait(&inner.elem),
        Type::Reference(inner) => mentions_impl_trait(&inner.elem),
        Type::Ptr(inner) => mentions_impl_trait(&inner.elem),
        Type::Slice(inner) => mentions_impl_trait(&inner.elem),
        Type::Array(inner) => mentions_impl_trait(&inner.elem),
        Type::Tuple(tuple) => tuple.elems.iter().any(mentions_impl_trait),
        Type::Path(path) => path.path.segments.iter().any(|segment| match &segment.arguments {
            PathArguments::AngleBracketed(args) => args.args.iter().any(|arg| match arg {
                GenericArgument::Type(inner) => mentions_impl_trait(inner),
                GenericArgument::AssocType(assoc) => mentions_impl_trait(&assoc.ty),
                _ => false,
            }),
            PathArguments::Parenthesized(args) => {
                args.inputs.iter().any(mentions_impl_trait)
                    || matches!(&args.output, ReturnType::Type(_, out) if mentions_impl_trait(out))
            }
            PathArguments::None => false,
        }),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use syn::parse_quote;

    fn shape(item: syn::ItemFn) -> (bool, bool, Option<String>) {
        let mut item = item;
        match Shape::of(&item.sig, &mut item.block) {
            Shape::Sync => (false, false, None),
            Shape::Async => (true, false, None),
            Shape::ReturnsFuture { output } => {
                (false, true, output.map(|t| quote::quote!(#t).to_string()))
            }
        }
    }

    #[test]
    fn async_trait_bodies_are_recognised_by_their_box_pin_shape() {
        let item: syn::ItemFn = parse_quote! {
            fn area<'life0, 'async_trait>(&'life0 self) -> ::core::pin::Pin<Box<dyn ::core::future::Future<Output = Result<f64, E>> + ::core::marker::Send + 'async_trait>> {
                Box::pin(async move { let __self = self; Ok(1.0) })
            }
        };
        assert_eq!(
            shape(item),
            (false, true, Some("Result < f64 , E >".into()))
        );
    }

    #[test]
    fn impl_future_returning_an_async_block_is_timed_as_the_future() {
        let item: syn::ItemFn = parse_quote! {
            fn f(x: u32) -> impl Future<Output = u32> + Send { let y = x; async move { y } }
        };
        assert_eq!(shape(item), (false, true, Some("u32".into())));
    }

    #[test]
    fn non_move_async_blocks_and_box_futures_are_futures_too() {
        let item: syn::ItemFn = parse_quote! {
            fn f() -> impl Future<Output = Result<(), Infallible>> { async { Ok(()) } }
        };
        assert_eq!(
            shape(item),
            (false, true, Some("Result < () , Infallible >".into()))
        );
        let item: syn::ItemFn = parse_quote! {
            fn f(&self) -> BoxFuture<'_, u8> { Box::pin(async { 1 }) }
        };
        assert_eq!(shape(item), (false, true, Some("u8".into())));
    }

    #[test]
    fn impl_trait_is_inferred_and_the_rest_of_the_type_kept() {
        let ty = infer_impl_trait(&parse_quote!(
            Result<impl Iterator<Item = i32>, &'static str>
        ));
        assert_eq!(
            quote::quote!(#ty).to_string(),
            "Result < _ , & 'static str >"
        );
    }

    #[test]
    fn other_bodies_are_plain() {
        let item: syn::ItemFn = parse_quote! { fn f() -> impl Future<Output = u32> { ready(1) } };
        assert!(!shape(item).1);
        let item: syn::ItemFn = parse_quote! { async fn f() -> u32 { 1 } };
        assert!(shape(item).0);
    }

    #[test]
    fn impl_trait_is_found_where_a_let_could_not_name_it() {
        assert!(is_impl_trait(&parse_quote!(impl Display)));
        assert!(!is_impl_trait(&parse_quote!(Result<impl Display, E>)));
        assert!(mentions_impl_trait(&parse_quote!(Result<impl Display, E>)));
        assert!(!mentions_impl_trait(&parse_quote!(io::Result<&'a str>)));
    }
}
