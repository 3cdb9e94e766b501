//! The runtime's modules import one way (ARCHITECTURE.md's module table): no import cycle between
//! files, and no module importing one it may not. A failure names the two files and the path that
//! ties them. The macro crate's files have no cycle either.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use tripod_tests::imports::{Edge, Graph, between, cycles};

/// What each top-level module of `runtime/src` may import; `lib` (the crate root) and `init`
/// may import everything. The leaves (`clock`, `tick`, `background`, `metric_names`, …) import
/// nothing of ours.
const MAY_IMPORT: &[(&str, &[&str])] = &[
    ("clock", &[]),
    ("tick", &["call_path"]),
    ("background", &[]),
    ("metric_names", &[]),
    ("objectives", &["metric_names"]),
    ("http_method", &[]),
    ("error_type", &[]),
    ("call_path", &[]),
    ("key_values", &[]),
    ("trace", &["clock"]),
    ("resource", &["trace"]),
    (
        "__private",
        &[
            "error_type",
            "metric_names",
            "tick",
            "call_path",
            "objectives",
        ],
    ),
    ("local", &["trace", "tick", "call_path"]),
    ("capture", &["trace", "clock"]),
    ("sink", &["capture", "trace"]),
    ("database", &["capture", "trace"]),
    ("subscriber", &["local", "database", "trace", "call_path"]),
    ("layer", &["local", "database", "trace", "call_path"]),
    (
        "pipeline",
        &[
            "local",
            "capture",
            "database",
            "trace",
            "sink",
            "clock",
            "tick",
            "background",
            "metric_names",
            "call_path",
        ],
    ),
    (
        "recorder",
        &["trace", "clock", "metric_names", "objectives"],
    ),
    ("logs", &["sink", "capture", "trace", "clock", "background"]),
    (
        "otlp",
        &[
            "sink",
            "capture",
            "recorder",
            "trace",
            "clock",
            "metric_names",
            "key_values",
            "resource",
        ],
    ),
    (
        "viewer",
        &[
            "sink",
            "capture",
            "recorder",
            "trace",
            "clock",
            "background",
            "metric_names",
            "objectives",
        ],
    ),
    (
        "prometheus",
        &["sink", "recorder", "background", "metric_names", "resource"],
    ),
    (
        "axum",
        &[
            "error_type",
            "trace",
            "__private",
            "http_method",
            "metric_names",
            "prometheus",
            "viewer",
        ],
    ),
    ("client", &["trace", "http_method"]),
    ("grpc", &["trace", "metric_names"]),
    ("otel", &["trace"]),
];

fn source(crate_dir: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join(crate_dir)
        .join("src")
}

fn edges(crate_dir: &str) -> BTreeSet<Edge> {
    Graph::read(&source(crate_dir))
        .unwrap_or_else(|error| panic!("reading {crate_dir}/src: {error}"))
        .edges()
}

fn describe(edge: &Edge) -> String {
    format!(
        "{} → {} (`{}`)",
        edge.from.display(),
        edge.to.display(),
        edge.named
    )
}

fn no_cycles(crate_dir: &str) {
    let found = cycles(&edges(crate_dir));
    let report: Vec<String> = found
        .iter()
        .map(|cycle| {
            let lines: Vec<String> = cycle.iter().map(describe).collect();
            format!(
                "  a cycle in {crate_dir}/src:\n    {}",
                lines.join("\n    ")
            )
        })
        .collect();
    assert!(report.is_empty(), "\n{}", report.join("\n"));
}

/// The top-level module a file of `runtime/src` belongs to.
fn top_module(file: &Path) -> String {
    let first = file
        .iter()
        .next()
        .map(|part| part.to_string_lossy().into_owned())
        .unwrap_or_default();
    first.trim_end_matches(".rs").to_owned()
}

#[test]
fn no_file_of_the_runtime_imports_a_file_that_imports_it_back() {
    no_cycles("runtime");
}

#[test]
fn no_file_of_the_macro_crate_imports_a_file_that_imports_it_back() {
    no_cycles("macros");
}

#[test]
fn each_runtime_module_imports_only_the_layers_below_it() {
    let edges = edges("runtime");
    let modules: BTreeSet<String> = edges
        .iter()
        .flat_map(|edge| [top_module(&edge.from), top_module(&edge.to)])
        .collect();
    let mut problems = Vec::new();
    for module in &modules {
        if module == "lib" || module == "init" {
            continue;
        }
        if !MAY_IMPORT.iter().any(|(name, _)| name == module) {
            problems.push(format!(
                "  runtime/src/{module} is in no layer of this test's table: add it, with what it may import"
            ));
        }
    }
    for ((from, to), edge) in between(&edges, top_module) {
        if from == "lib" || from == "init" {
            continue;
        }
        let Some((_, allowed)) = MAY_IMPORT.iter().find(|(name, _)| *name == from) else {
            continue;
        };
        if !allowed.contains(&to.as_str()) {
            problems.push(format!(
                "  {from} may not import {to}: {}\n    ({from} may import: {})",
                describe(edge),
                if allowed.is_empty() {
                    "nothing of ours".to_owned()
                } else {
                    allowed.join(", ")
                }
            ));
        }
    }
    assert!(problems.is_empty(), "\n{}", problems.join("\n"));
}

/// The backticked names in a table cell, as module names (`trace/` and `tick.rs` → `trace`,
/// `tick`).
fn modules_in(cell: &str) -> Vec<String> {
    cell.split('`')
        .skip(1)
        .step_by(2)
        .map(|name| {
            name.trim_end_matches('/')
                .trim_end_matches(".rs")
                .to_owned()
        })
        .collect()
}

#[test]
fn the_architecture_module_table_lists_what_this_test_allows() {
    let readme =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../ARCHITECTURE.md"))
            .expect("ARCHITECTURE.md");
    let table: Vec<&str> = readme
        .lines()
        .skip_while(|line| !line.starts_with("| module | holds | imports of ours |"))
        .skip(2)
        .take_while(|line| line.starts_with('|'))
        .collect();
    assert!(
        !table.is_empty(),
        "ARCHITECTURE.md has the runtime's module table"
    );
    let mut listed = BTreeSet::new();
    let mut problems = Vec::new();
    for row in table {
        let cells: Vec<&str> = row.trim_matches('|').split(" | ").collect();
        let (Some(modules), Some(imports)) = (cells.first(), cells.last()) else {
            continue;
        };
        let imports: BTreeSet<String> = modules_in(imports).into_iter().collect();
        for module in modules_in(modules) {
            listed.insert(module.clone());
            if module == "init" {
                continue;
            }
            match MAY_IMPORT.iter().find(|(name, _)| *name == module) {
                Some((_, allowed)) => {
                    let allowed: BTreeSet<String> =
                        allowed.iter().map(|name| (*name).to_owned()).collect();
                    if allowed != imports {
                        problems.push(format!(
                            "  {module}: ARCHITECTURE.md says {imports:?}, this test {allowed:?}"
                        ));
                    }
                }
                None => problems.push(format!("  {module}: in ARCHITECTURE.md, not in this test")),
            }
        }
    }
    for (module, _) in MAY_IMPORT {
        if !listed.contains(*module) {
            problems.push(format!(
                "  {module}: in this test, not in ARCHITECTURE.md's table"
            ));
        }
    }
    assert!(problems.is_empty(), "\n{}", problems.join("\n"));
}
