//! The declared `rust-version` is real as far as one machine can check: it is at least every
//! dependency's own `rust-version` (tripod's and tripod-macros' dependencies on this platform,
//! every feature on), at least what edition 2024 and let chains need (1.88), and the README
//! states it. Standard-library APIs newer than it are caught by clippy's `incompatible_msrv`
//! lint, which reads the same `rust-version` (CI runs clippy with warnings denied).

use std::collections::{BTreeSet, HashMap};
use std::process::Command;

use serde_json::Value;

fn version(text: &str) -> (u64, u64) {
    let mut parts = text.split('.').map(|part| part.parse::<u64>().unwrap_or(0));
    (parts.next().unwrap_or(0), parts.next().unwrap_or(0))
}

#[test]
fn the_declared_rust_version_covers_every_dependency_and_the_readme_states_it() {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let host = String::from_utf8(Command::new("rustc").args(["-vV"]).output().unwrap().stdout)
        .unwrap()
        .lines()
        .find_map(|line| line.strip_prefix("host: ").map(str::to_owned))
        .expect("rustc names its host");
    let output = Command::new(cargo)
        .args(["metadata", "--format-version", "1", "--all-features"])
        .args(["--filter-platform", &host])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("cargo metadata runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let metadata: Value = serde_json::from_slice(&output.stdout).unwrap();
    let packages: HashMap<&str, &Value> = metadata["packages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|package| (package["id"].as_str().unwrap(), package))
        .collect();
    let nodes: HashMap<&str, &Value> = metadata["resolve"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|node| (node["id"].as_str().unwrap(), node))
        .collect();
    let id_of = |name: &str| {
        packages
            .values()
            .find(|package| package["name"] == name)
            .map(|package| package["id"].as_str().unwrap())
            .unwrap()
    };
    let declared = packages[id_of("tripod")]["rust_version"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        version(&declared) >= (1, 88),
        "edition 2024 and let chains need 1.88"
    );

    // Normal and build dependencies of the two published crates, transitively, but for those of
    // an optional feature that exists for users of a crate with a higher minimum of its own: the
    // `sqlx` feature is for applications on sqlx 0.9, which need what it needs.
    const OWN_MINIMUM: &[&str] = &["sqlx-core"];
    let mut seen = BTreeSet::new();
    let mut stack = vec![id_of("tripod"), id_of("tripod-macros")];
    while let Some(id) = stack.pop() {
        if !seen.insert(id) {
            continue;
        }
        for dependency in nodes[id]["deps"].as_array().unwrap() {
            let runtime = dependency["dep_kinds"]
                .as_array()
                .unwrap()
                .iter()
                .any(|kind| kind["kind"].is_null() || kind["kind"] == "build");
            let pkg = dependency["pkg"].as_str().unwrap();
            if runtime && !OWN_MINIMUM.contains(&packages[pkg]["name"].as_str().unwrap()) {
                stack.push(pkg);
            }
        }
    }
    let newer: Vec<String> = seen
        .iter()
        .filter_map(|id| {
            let package = packages[id];
            let needs = package["rust_version"].as_str()?;
            (version(needs) > version(&declared))
                .then(|| format!("{} {} needs {needs}", package["name"], package["version"]))
        })
        .collect();
    assert!(
        newer.is_empty(),
        "rust-version {declared} is too low: {newer:?}"
    );

    let readme = include_str!("../../../README.md");
    assert!(
        readme.contains(&format!("Rust {declared} or newer")),
        "the README states the minimum Rust version, {declared}"
    );
    assert!(
        readme.contains("`sqlx` feature needs what sqlx 0.9 itself needs"),
        "and the exception"
    );
}
