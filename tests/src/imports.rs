//! The import graph of a crate's sources, read from its `use` declarations and the paths in its
//! code (`crate::…`, `super::…`, `self::…`, a child module's name, `$crate::…` in macros), for
//! the layering test (`tests/layering.rs`).
//!
//! Each file is a node. A path is followed through the `use` bindings it meets, so `super::SpanIds`
//! in `trace/layer.rs`, re-exported by `trace/mod.rs` from `trace/ids.rs`, is an edge to
//! `trace/ids.rs`: a module root that declares and re-exports its children adds no edge by doing
//! so, while a child that imports back from its parent's own items does. Code under
//! `#[cfg(test)]` is left out (tests may reach across layers), so is a whole file that begins
//! `#![cfg(test)]` (a module of test helpers), and so are doc comments.
//!
//! Files are read as tokens (proc-macro2's lexer), not type-checked: a path is resolved by the
//! module files that exist and the `use` declarations each file makes.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::path::{Path, PathBuf};

use proc_macro2::{Delimiter, Spacing, TokenStream, TokenTree};

/// A module path from the crate root: `[]` for `lib.rs`, `["trace", "ids"]` for `trace/ids.rs`.
pub type ModPath = Vec<String>;

/// One import of one file: what it names, where that was found.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Edge {
    /// The importing file, relative to the source root.
    pub from: PathBuf,
    /// The imported file.
    pub to: PathBuf,
    /// The path as written (`crate::init::percent_decode`).
    pub named: String,
}

/// A crate's files and what each imports.
#[derive(Debug, Default)]
pub struct Graph {
    /// Each module (file or inline `mod x { .. }`) and the file that holds it.
    modules: BTreeMap<ModPath, PathBuf>,
    /// `use` declarations by the module they are in.
    uses: BTreeMap<ModPath, Vec<Use>>,
    /// `#[macro_export]` macros (named at the crate root), by the file defining them.
    exported_macros: BTreeMap<String, PathBuf>,
    /// Paths written in code, by the module they are in.
    paths: Vec<(ModPath, Vec<String>)>,
    /// Identifiers each module's code uses as names (outside `use` declarations; not a field
    /// or binding declared `x:`, not after a `.`), and the macros it calls (`x!`).
    idents: BTreeMap<ModPath, BTreeSet<String>>,
    macro_calls: BTreeMap<ModPath, BTreeSet<String>>,
}

#[derive(Clone, Debug)]
struct Use {
    /// The path, ending with the name it binds (or `*`).
    segments: Vec<String>,
    /// The name it binds in its module (`None` for a glob).
    binding: Option<String>,
    public: bool,
}

/// Why a crate's sources could not be read.
#[derive(Debug)]
pub struct ReadError(pub String);

impl fmt::Display for ReadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl Graph {
    /// Reads every `.rs` file under `root` (a crate's `src/`, holding `lib.rs`).
    pub fn read(root: &Path) -> Result<Graph, ReadError> {
        let mut files = Vec::new();
        collect(root, root, &mut files)?;
        let mut graph = Graph::default();
        for relative in &files {
            graph.modules.insert(module_of(relative), relative.clone());
        }
        for relative in files {
            let text = std::fs::read_to_string(root.join(&relative))
                .map_err(|error| ReadError(format!("{}: {error}", relative.display())))?;
            let tokens: TokenStream = text
                .parse()
                .map_err(|error| ReadError(format!("{}: {error:?}", relative.display())))?;
            let tokens: Vec<TokenTree> = tokens.into_iter().collect();
            let module = module_of(&relative);
            graph.read_items(&relative, &module, &tokens);
        }
        Ok(graph)
    }

    fn read_items(&mut self, file: &Path, module: &ModPath, tokens: &[TokenTree]) {
        let mut i = 0;
        let mut test_only = false;
        let mut macro_export = false;
        while i < tokens.len() {
            // Attributes: `#[..]` and `#![..]`.
            if is_punct(&tokens[i], '#') {
                let mut j = i + 1;
                let of_the_file = tokens.get(j).is_some_and(|t| is_punct(t, '!'));
                if of_the_file {
                    j += 1;
                }
                if let Some(TokenTree::Group(group)) = tokens.get(j)
                    && group.delimiter() == Delimiter::Bracket
                {
                    let inner: Vec<TokenTree> = group.stream().into_iter().collect();
                    match inner.first() {
                        Some(TokenTree::Ident(name)) if name == "cfg" => {
                            if let Some(TokenTree::Group(predicate)) = inner.get(1)
                                && requires_test(&predicate.stream())
                            {
                                if of_the_file {
                                    // The whole file is compiled for tests only.
                                    return;
                                }
                                test_only = true;
                            }
                        }
                        Some(TokenTree::Ident(name)) if name == "macro_export" => {
                            macro_export = true
                        }
                        _ => {}
                    }
                    i = j + 1;
                    continue;
                }
            }
            let end = item_end(tokens, i);
            let item = &tokens[i..end];
            if !test_only {
                self.read_item(file, module, item, macro_export);
            }
            test_only = false;
            macro_export = false;
            i = end;
        }
    }

    fn read_item(&mut self, file: &Path, module: &ModPath, item: &[TokenTree], exported: bool) {
        // Visibility and other leading keywords.
        let mut k = 0;
        let mut public = false;
        while let Some(TokenTree::Ident(word)) = item.get(k) {
            if word == "pub" {
                public = true;
                k += 1;
                if let Some(TokenTree::Group(group)) = item.get(k)
                    && group.delimiter() == Delimiter::Parenthesis
                {
                    k += 1;
                }
            } else {
                break;
            }
        }
        match item.get(k) {
            Some(TokenTree::Ident(word)) if word == "use" => {
                let mut uses = Vec::new();
                parse_use_tree(&item[k + 1..], &mut Vec::new(), public, &mut uses);
                self.uses.entry(module.clone()).or_default().extend(uses);
                return;
            }
            Some(TokenTree::Ident(word)) if word == "mod" => {
                if let (Some(TokenTree::Ident(name)), Some(TokenTree::Group(body))) =
                    (item.get(k + 1), item.get(k + 2))
                    && body.delimiter() == Delimiter::Brace
                {
                    let mut inner = module.clone();
                    inner.push(name.to_string());
                    self.modules.insert(inner.clone(), file.to_path_buf());
                    let tokens: Vec<TokenTree> = body.stream().into_iter().collect();
                    self.read_items(file, &inner, &tokens);
                }
                // `mod name;` declares a file that is read on its own.
                return;
            }
            Some(TokenTree::Ident(word)) if word == "macro_rules" && exported => {
                if let Some(TokenTree::Ident(name)) = item.get(k + 2) {
                    self.exported_macros
                        .insert(name.to_string(), file.to_path_buf());
                }
            }
            _ => {}
        }
        self.scan(module, item);
    }

    /// Collects the paths and identifiers of code.
    fn scan(&mut self, module: &ModPath, tokens: &[TokenTree]) {
        let mut i = 0;
        while i < tokens.len() {
            match &tokens[i] {
                TokenTree::Group(group) => {
                    let inner: Vec<TokenTree> = group.stream().into_iter().collect();
                    self.scan(module, &inner);
                }
                TokenTree::Ident(ident) => {
                    let after_colons = i >= 2 && is_colons(tokens, i - 2);
                    let declared = tokens.get(i + 1).is_some_and(|t| is_punct(t, ':'))
                        && !is_colons(tokens, i + 1);
                    let member = i >= 1 && is_punct(&tokens[i - 1], '.');
                    if tokens.get(i + 1).is_some_and(|t| is_punct(t, '!')) {
                        self.macro_calls
                            .entry(module.clone())
                            .or_default()
                            .insert(ident.to_string());
                    } else if !declared && !member {
                        self.idents
                            .entry(module.clone())
                            .or_default()
                            .insert(ident.to_string());
                    }
                    if !after_colons && is_colons(tokens, i + 1) {
                        let dollar = i >= 1 && is_punct(&tokens[i - 1], '$');
                        let mut segments = vec![if dollar && ident == "crate" {
                            "crate".to_owned()
                        } else {
                            ident.to_string()
                        }];
                        let mut j = i + 1;
                        while is_colons(tokens, j) {
                            match tokens.get(j + 2) {
                                Some(TokenTree::Ident(next)) => {
                                    segments.push(next.to_string());
                                    j += 3;
                                }
                                _ => break,
                            }
                        }
                        self.paths.push((module.clone(), segments));
                        i = j;
                        continue;
                    }
                }
                _ => {}
            }
            i += 1;
        }
    }

    fn file_of(&self, module: &ModPath) -> Option<&PathBuf> {
        self.modules.get(module)
    }

    /// The module a file holds (not its inline modules).
    fn module_of_file(&self, file: &Path) -> Option<ModPath> {
        let module = module_of(file);
        (self.modules.get(&module).map(PathBuf::as_path) == Some(file)).then_some(module)
    }

    fn child(&self, module: &ModPath, name: &str) -> Option<ModPath> {
        let mut child = module.clone();
        child.push(name.to_owned());
        self.modules.contains_key(&child).then_some(child)
    }

    fn binding(&self, module: &ModPath, name: &str) -> Option<&Use> {
        self.uses
            .get(module)?
            .iter()
            .find(|u| u.binding.as_deref() == Some(name))
    }

    /// The file `segments` (written in `from`) names, following `use` bindings; `None` for
    /// another crate's item.
    fn resolve(&self, from: &ModPath, segments: &[String], depth: usize) -> Option<PathBuf> {
        if depth > 16 || segments.is_empty() {
            return None;
        }
        let first = segments[0].as_str();
        let (mut module, rest): (ModPath, &[String]) = match first {
            "crate" => {
                // `crate::__tripod_site!`: a macro exported at the root, defined elsewhere.
                if let Some(file) = segments
                    .get(1)
                    .and_then(|name| self.exported_macros.get(name))
                {
                    return Some(file.clone());
                }
                (Vec::new(), &segments[1..])
            }
            "self" => (from.clone(), &segments[1..]),
            "super" => {
                let mut module = from.clone();
                let mut rest = segments;
                while rest.first().is_some_and(|s| s == "super") {
                    module.pop();
                    rest = &rest[1..];
                }
                (module, rest)
            }
            _ if self.child(from, first).is_some() => (from.clone(), segments),
            _ => {
                // A name the module imported: follow its binding.
                let binding = self.binding(from, first)?;
                let mut path = binding.segments.clone();
                path.extend_from_slice(&segments[1..]);
                return self.resolve(from, &path, depth + 1);
            }
        };
        for (index, segment) in rest.iter().enumerate() {
            if let Some(child) = self.child(&module, segment) {
                module = child;
                continue;
            }
            if let Some(binding) = self.binding(&module, segment) {
                let mut path = binding.segments.clone();
                path.extend_from_slice(&rest[index + 1..]);
                return self.resolve(&module, &path, depth + 1).or_else(|| {
                    // Another crate's item, re-exported here: the re-export is the edge.
                    self.file_of(&module).cloned()
                });
            }
            break;
        }
        self.file_of(&module).cloned()
    }

    /// Every import between two different files.
    pub fn edges(&self) -> BTreeSet<Edge> {
        let mut edges = BTreeSet::new();
        let mut add = |from: &ModPath, to: Option<PathBuf>, named: String| {
            let (Some(from), Some(to)) = (self.file_of(from), to) else {
                return;
            };
            if *from != to {
                edges.insert(Edge {
                    from: from.clone(),
                    to,
                    named,
                });
            }
        };
        for (module, uses) in &self.uses {
            for import in uses {
                let segments: Vec<String> = import
                    .segments
                    .iter()
                    .filter(|s| *s != "*")
                    .cloned()
                    .collect();
                let target = self.resolve(module, &segments, 0);
                // A module root re-exporting its own descendants adds no edge by that alone; its
                // code naming the re-exported item does.
                let structural = import.public
                    && target
                        .as_ref()
                        .and_then(|file| self.module_of_file(file))
                        .is_some_and(|held| held.len() > module.len() && held.starts_with(module));
                if structural {
                    let Some(name) = &import.binding else {
                        continue;
                    };
                    let is_macro = segments
                        .last()
                        .is_some_and(|last| self.exported_macros.contains_key(last));
                    let used = if is_macro {
                        &self.macro_calls
                    } else {
                        &self.idents
                    };
                    if used.get(module).is_some_and(|names| names.contains(name)) {
                        add(module, target, segments.join("::"));
                    }
                    continue;
                }
                add(module, target, segments.join("::"));
            }
        }
        for (module, segments) in &self.paths {
            let first = segments[0].as_str();
            let ours =
                matches!(first, "crate" | "self" | "super") || self.child(module, first).is_some();
            if ours && segments.len() > 1 {
                add(
                    module,
                    self.resolve(module, segments, 0),
                    segments.join("::"),
                );
            }
        }
        edges
    }
}

/// The cycles of `edges`: each a set of files that reach each other, with the edges among them.
pub fn cycles(edges: &BTreeSet<Edge>) -> Vec<Vec<Edge>> {
    let mut next: BTreeMap<&PathBuf, BTreeSet<&PathBuf>> = BTreeMap::new();
    for edge in edges {
        next.entry(&edge.from).or_default().insert(&edge.to);
    }
    let reach = |start: &PathBuf| {
        let mut seen: BTreeSet<&PathBuf> = BTreeSet::new();
        let mut stack = vec![start];
        while let Some(node) = stack.pop() {
            for to in next.get(node).into_iter().flatten() {
                if seen.insert(to) {
                    stack.push(to);
                }
            }
        }
        seen
    };
    let reached: BTreeMap<&PathBuf, BTreeSet<&PathBuf>> =
        next.keys().map(|node| (*node, reach(node))).collect();
    let mut done: BTreeSet<&PathBuf> = BTreeSet::new();
    let mut found = Vec::new();
    for node in next.keys() {
        if done.contains(node) || !reached[node].contains(node) {
            continue;
        }
        let members: BTreeSet<&PathBuf> = reached[node]
            .iter()
            .filter(|other| reached.get(*other).is_some_and(|r| r.contains(node)))
            .copied()
            .collect();
        done.extend(members.iter().copied());
        found.push(
            edges
                .iter()
                .filter(|edge| members.contains(&edge.from) && members.contains(&edge.to))
                .cloned()
                .collect(),
        );
    }
    found
}

/// `edges` between files, as edges between the modules holding them (named by `module`), with
/// one example edge each.
pub fn between(
    edges: &BTreeSet<Edge>,
    module: impl Fn(&Path) -> String,
) -> BTreeMap<(String, String), &Edge> {
    let mut modules = BTreeMap::new();
    for edge in edges {
        let (from, to) = (module(&edge.from), module(&edge.to));
        if from != to {
            modules.entry((from, to)).or_insert(edge);
        }
    }
    modules
}

fn collect(root: &Path, dir: &Path, files: &mut Vec<PathBuf>) -> Result<(), ReadError> {
    let entries =
        std::fs::read_dir(dir).map_err(|error| ReadError(format!("{}: {error}", dir.display())))?;
    let mut entries: Vec<_> = entries.filter_map(Result::ok).map(|e| e.path()).collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            collect(root, &path, files)?;
        } else if path.extension().is_some_and(|ext| ext == "rs") {
            files.push(path.strip_prefix(root).unwrap_or(&path).to_path_buf());
        }
    }
    Ok(())
}

/// The module a file holds: `lib.rs` the root, `a/mod.rs` and `a.rs` module `a`.
fn module_of(relative: &Path) -> ModPath {
    let mut parts: Vec<String> = relative
        .iter()
        .map(|part| part.to_string_lossy().into_owned())
        .collect();
    if let Some(last) = parts.pop() {
        let stem = last.trim_end_matches(".rs");
        if stem != "mod" && stem != "lib" && stem != "main" {
            parts.push(stem.to_owned());
        }
    }
    parts
}

fn is_punct(token: &TokenTree, c: char) -> bool {
    matches!(token, TokenTree::Punct(p) if p.as_char() == c)
}

/// Whether `tokens[i..]` starts with `::`.
fn is_colons(tokens: &[TokenTree], i: usize) -> bool {
    matches!(
        (tokens.get(i), tokens.get(i + 1)),
        (Some(TokenTree::Punct(a)), Some(TokenTree::Punct(b)))
            if a.as_char() == ':' && a.spacing() == Spacing::Joint && b.as_char() == ':'
    )
}

/// Whether a `cfg` predicate holds only in test builds: `test`, or `all(.., test, ..)`.
fn requires_test(predicate: &TokenStream) -> bool {
    let tokens: Vec<TokenTree> = predicate.clone().into_iter().collect();
    let mut parts = Vec::new();
    let mut start = 0;
    for (i, token) in tokens.iter().enumerate() {
        if is_punct(token, ',') {
            parts.push(&tokens[start..i]);
            start = i + 1;
        }
    }
    parts.push(&tokens[start..]);
    // A predicate list: one part is the plain `cfg(x)` predicate.
    let one = |part: &[TokenTree]| -> bool {
        match part {
            [TokenTree::Ident(name)] => name == "test",
            [TokenTree::Ident(name), TokenTree::Group(inner)] if name == "all" => {
                requires_test(&inner.stream())
            }
            [TokenTree::Ident(name), TokenTree::Group(inner)] if name == "any" => {
                all_require_test(&inner.stream())
            }
            _ => false,
        }
    };
    parts.iter().any(|part| one(part))
}

/// Whether every predicate of an `any(..)` list holds only in test builds.
fn all_require_test(list: &TokenStream) -> bool {
    let tokens: Vec<TokenTree> = list.clone().into_iter().collect();
    tokens
        .split(|token| is_punct(token, ','))
        .filter(|part| !part.is_empty())
        .all(|part| requires_test(&part.iter().cloned().collect()))
}

/// Where the item starting at `tokens[start]` ends: after its `;`, or after its body's braces
/// (and a `;` right after them).
fn item_end(tokens: &[TokenTree], start: usize) -> usize {
    let mut i = start;
    while i < tokens.len() {
        match &tokens[i] {
            TokenTree::Punct(p) if p.as_char() == ';' => return i + 1,
            TokenTree::Group(g) if g.delimiter() == Delimiter::Brace => {
                // `macro_rules! x { .. }`, `fn f() { .. }`, `struct S { .. }`.
                if tokens.get(i + 1).is_some_and(|t| is_punct(t, ';')) {
                    return i + 2;
                }
                return i + 1;
            }
            _ => i += 1,
        }
    }
    tokens.len()
}

/// Parses a `use` tree (the tokens after `use`, up to `;`) into one [`Use`] per name bound.
fn parse_use_tree(
    tokens: &[TokenTree],
    prefix: &mut Vec<String>,
    public: bool,
    out: &mut Vec<Use>,
) {
    let depth = prefix.len();
    let mut i = 0;
    if is_colons(tokens, 0) {
        i = 2;
    }
    while i < tokens.len() {
        match &tokens[i] {
            TokenTree::Ident(ident) if ident == "as" => {
                if let Some(TokenTree::Ident(alias)) = tokens.get(i + 1) {
                    let segments = prefix.clone();
                    let alias = alias.to_string();
                    if alias != "_" {
                        out.push(Use {
                            segments,
                            binding: Some(alias),
                            public,
                        });
                    }
                }
                prefix.truncate(depth);
                return;
            }
            TokenTree::Ident(ident) => {
                prefix.push(ident.to_string());
                i += 1;
                if is_colons(tokens, i) {
                    i += 2;
                    continue;
                }
                if tokens.get(i).is_some_and(|t| is_ident(t, "as")) {
                    continue;
                }
                // The path ends here and binds its last segment (`self` binds the one before).
                let mut segments = prefix.clone();
                let binding = if ident == "self" {
                    segments.pop();
                    segments.last().cloned()
                } else {
                    Some(ident.to_string())
                };
                out.push(Use {
                    segments,
                    binding,
                    public,
                });
                prefix.truncate(depth);
                return;
            }
            TokenTree::Punct(p) if p.as_char() == '*' => {
                let mut segments = prefix.clone();
                segments.push("*".into());
                out.push(Use {
                    segments,
                    binding: None,
                    public,
                });
                prefix.truncate(depth);
                return;
            }
            TokenTree::Group(group) if group.delimiter() == Delimiter::Brace => {
                let inner: Vec<TokenTree> = group.stream().into_iter().collect();
                for part in inner.split(|t| is_punct(t, ',')) {
                    if !part.is_empty() {
                        parse_use_tree(part, prefix, public, out);
                    }
                }
                prefix.truncate(depth);
                return;
            }
            _ => i += 1,
        }
    }
    prefix.truncate(depth);
}

fn is_ident(token: &TokenTree, word: &str) -> bool {
    matches!(token, TokenTree::Ident(ident) if ident == word)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A crate of `files` in a fresh directory.
    fn tree(files: &[(&str, &str)]) -> PathBuf {
        static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!(
            "tripod-imports-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&dir);
        for (path, text) in files {
            let path = dir.join(path);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        }
        dir
    }

    /// The pairs of files that import each other, whatever the paths.
    fn edges_of(files: &[(&str, &str)]) -> Vec<(String, String)> {
        let graph = Graph::read(&tree(files)).unwrap();
        let pairs: BTreeSet<(String, String)> = graph
            .edges()
            .into_iter()
            .map(|edge| {
                (
                    edge.from.display().to_string(),
                    edge.to.display().to_string(),
                )
            })
            .collect();
        pairs.into_iter().collect()
    }

    #[test]
    fn a_file_compiled_for_tests_only_imports_nothing() {
        let edges = edges_of(&[
            ("lib.rs", "mod a; mod b; #[cfg(test)] mod testing;"),
            ("a.rs", "pub struct A;"),
            ("b.rs", "pub struct B;"),
            (
                "testing.rs",
                "//! Helpers.\n#![cfg(test)]\nuse crate::a::A;",
            ),
        ]);
        assert!(edges.is_empty(), "{edges:?}");
    }

    #[test]
    fn a_path_through_a_re_export_leads_to_the_file_defining_the_item() {
        let edges = edges_of(&[
            ("lib.rs", "mod a; mod b;"),
            ("a/mod.rs", "mod ids; pub(crate) use ids::Id;"),
            ("a/ids.rs", "pub struct Id;"),
            ("b.rs", "use crate::a::Id; fn f() { crate::a::ids::Id; }"),
        ]);
        assert_eq!(edges, [("b.rs".to_owned(), "a/ids.rs".to_owned())]);
    }

    #[test]
    fn a_cycle_through_a_parent_and_a_cycle_between_modules_are_found() {
        let graph = Graph::read(&tree(&[
            ("lib.rs", "mod a; mod b;"),
            (
                "a/mod.rs",
                "mod x; mod y; pub(crate) use x::X; pub(crate) fn helper() {}",
            ),
            ("a/x.rs", "use super::helper; pub struct X;"),
            ("a/y.rs", "pub fn g() { super::X; }"),
            (
                "b.rs",
                "use crate::a::X; pub fn h() {} #[cfg(test)] mod tests { use crate::a::*; }",
            ),
        ]))
        .unwrap();
        let edges = graph.edges();
        assert!(cycles(&edges).is_empty(), "{edges:#?}");

        // The parent's own code using its child, which uses the parent: a cycle.
        let graph = Graph::read(&tree(&[
            ("lib.rs", "mod a;"),
            (
                "a/mod.rs",
                "mod x; use x::X; pub(crate) fn helper() -> X { X }",
            ),
            ("a/x.rs", "pub struct X; fn f() { super::helper(); }"),
        ]))
        .unwrap();
        let found = cycles(&graph.edges());
        assert_eq!(found.len(), 1);
        let named: Vec<&str> = found[0].iter().map(|edge| edge.named.as_str()).collect();
        assert_eq!(named, ["x::X", "super::helper"]);

        // Two modules that import each other.
        let graph = Graph::read(&tree(&[
            ("lib.rs", "mod a; mod b;"),
            ("a.rs", "pub fn f() { crate::b::g() }"),
            ("b.rs", "use crate::a; pub fn g() { a::f() }"),
        ]))
        .unwrap();
        let edges = graph.edges();
        assert_eq!(cycles(&edges).len(), 1);
        let modules = between(&edges, |file| file.display().to_string());
        assert!(modules.contains_key(&("a.rs".into(), "b.rs".into())));
    }

    #[test]
    fn test_code_and_other_crates_are_no_edges_but_macros_are() {
        let edges = edges_of(&[
            ("lib.rs", "mod a; mod b; mod m;"),
            (
                "a.rs",
                "use std::fmt; use tracing::Level; #[cfg(all(test, feature = \"x\"))] use crate::b::B; \
                 fn f() { tracing::info!(\"{}\", crate::b::ONE); }",
            ),
            (
                "b.rs",
                "pub struct B; pub const ONE: u8 = 1; #[cfg(any(test, feature = \"y\"))] use crate::m::Z;",
            ),
            (
                "m.rs",
                "#[macro_export] macro_rules! __site { () => { $crate::b::B } } pub struct Z;",
            ),
        ]);
        assert_eq!(
            edges,
            [
                ("a.rs".to_owned(), "b.rs".to_owned()),
                ("b.rs".to_owned(), "m.rs".to_owned()),
                ("m.rs".to_owned(), "b.rs".to_owned()),
            ]
        );
    }
}
