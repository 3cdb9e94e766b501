//! Names computed at run time: a function's path, a type's short name.

use std::any::type_name;
use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

/// The fully qualified path of the function around the nested fn item `__tripod_here`
/// (`my_crate::Svc::by_ref`, `<my_crate::Svc as my_crate::Shape>::area`), from that item's type
/// name. Not generic over the item (the expansion passes `type_name_of_val`'s answer), so each
/// observed function instantiates nothing for it.
pub fn fn_path(name: &'static str) -> &'static str {
    let mut path = name.strip_suffix("::__tripod_here").unwrap_or(name);
    // Async bodies nest items under their generator: `f::{{closure}}::__tripod_here`.
    while let Some(outer) = path.strip_suffix("::{{closure}}") {
        path = outer;
    }
    path
}

/// `T`'s name without module paths (`BadInput`, `Box<dyn Error + Send + Sync>`); a bare `Error`
/// keeps its module (`anyhow::Error`). Interned: computed once per type.
pub(crate) fn short_type_name<T: ?Sized>() -> &'static str {
    static SHORT: OnceLock<Mutex<HashMap<&'static str, &'static str>>> = OnceLock::new();
    let full = type_name::<T>();
    let mut cache = SHORT
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    cache.entry(full).or_insert_with(|| leak(shorten(full)))
}

fn leak(name: String) -> &'static str {
    Box::leak(name.into_boxed_str())
}

fn shorten(full: &str) -> String {
    let mut out = String::with_capacity(full.len());
    let mut segment_start = 0;
    for (i, c) in full.char_indices() {
        if c.is_alphanumeric() || c == '_' || c == ':' {
            continue;
        }
        out.push_str(last_segment(&full[segment_start..i]));
        out.push(c);
        segment_start = i + c.len_utf8();
    }
    let tail = &full[segment_start..];
    if segment_start == 0 {
        // A plain path: keep the module of a type named just `Error`.
        let mut parts = tail.rsplit("::");
        return match (parts.next(), parts.next()) {
            (Some("Error"), Some(module)) => format!("{module}::Error"),
            (Some(last), _) => last.to_owned(),
            (None, _) => tail.to_owned(),
        };
    }
    out.push_str(last_segment(tail));
    out
}

fn last_segment(path: &str) -> &str {
    path.rsplit("::").next().unwrap_or(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_names_drop_module_paths() {
        assert_eq!(shorten("my_crate::errors::BadInput"), "BadInput");
        assert_eq!(shorten("anyhow::Error"), "anyhow::Error");
        assert_eq!(
            shorten(
                "alloc::boxed::Box<dyn core::error::Error + core::marker::Send + core::marker::Sync>"
            ),
            "Box<dyn Error + Send + Sync>"
        );
        assert_eq!(shorten("my::Wrapper<my::Inner, u8>"), "Wrapper<Inner, u8>");
        assert_eq!(shorten("()"), "()");
    }

    #[test]
    fn short_type_names_are_interned() {
        struct BadInput;
        assert_eq!(short_type_name::<BadInput>(), "BadInput");
        assert!(std::ptr::eq(
            short_type_name::<BadInput>(),
            short_type_name::<BadInput>()
        ));
    }

    #[test]
    fn function_paths_drop_the_marker_and_generator_segments() {
        fn __tripod_here() {}
        assert!(
            fn_path(std::any::type_name_of_val(&__tripod_here))
                .ends_with("function_paths_drop_the_marker_and_generator_segments")
        );
    }
}
