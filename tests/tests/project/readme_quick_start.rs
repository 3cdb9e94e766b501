//! The README's Quick start works pasted into a new crate: its `Cargo.toml` dependencies (with
//! the published version swapped for this repository's path) and its `src/main.rs`, in a fresh
//! crate outside the workspace, build and print the JSON lines the README promises.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

/// The first fenced block of `language` after `## Quick start`.
fn quick_start_block(readme: &str, language: &str) -> String {
    let section = readme
        .split("## Quick start")
        .nth(1)
        .and_then(|rest| rest.split("\n## ").next())
        .expect("a Quick start section");
    let fence = format!("```{language}\n");
    let start = section.find(&fence).expect("a fenced block") + fence.len();
    let end = section[start..].find("```").expect("a closing fence") + start;
    section[start..end].to_owned()
}

#[test]
fn the_readme_quick_start_builds_and_runs_in_a_fresh_crate() {
    let repository = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    let readme = std::fs::read_to_string(repository.join("README.md")).unwrap();
    let dependencies = quick_start_block(&readme, "toml");
    let main = quick_start_block(&readme, "rust");
    assert!(
        dependencies.contains("tripod = \"0.1\""),
        "the README gives the published dependency line: {dependencies}"
    );
    let dependencies = dependencies.replace(
        "tripod = \"0.1\"",
        &format!("tripod = {{ path = {:?} }}", repository.join("runtime")),
    );

    let crate_dir: PathBuf =
        std::env::temp_dir().join(format!("tripod-quick-start-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&crate_dir);
    std::fs::create_dir_all(crate_dir.join("src")).unwrap();
    std::fs::write(
        crate_dir.join("Cargo.toml"),
        format!(
            "[package]\nname = \"quick-start\"\nversion = \"0.1.0\"\nedition = \"2024\"\npublish = false\n\n\
             [workspace]\n\n{dependencies}"
        ),
    )
    .unwrap();
    std::fs::write(crate_dir.join("src/main.rs"), main).unwrap();
    // The workspace's lock pins the same versions, so the shared target dir's builds are reused.
    std::fs::copy(repository.join("Cargo.lock"), crate_dir.join("Cargo.lock")).unwrap();

    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let output = Command::new(cargo)
        .args(["run", "--quiet"])
        .current_dir(&crate_dir)
        .env_remove("OTEL_EXPORTER_OTLP_ENDPOINT")
        .env_remove("RUST_LOG")
        .env_remove("TRIPOD_LOG_FORMAT")
        .output()
        .expect("cargo runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "the Quick start builds and runs:\n{}\n{stdout}",
        String::from_utf8_lossy(&output.stderr)
    );
    let lines: Vec<Value> = stdout
        .lines()
        .map(|line| serde_json::from_str(line).expect("JSON lines"))
        .collect();
    let events: Vec<&str> = lines
        .iter()
        .filter_map(|line| line["event"].as_str())
        .collect();
    assert_eq!(
        events,
        ["todo.create.start", "todo.create.success"],
        "{stdout}"
    );
    assert_eq!(lines[0]["trace_id"], lines[1]["trace_id"]);
    assert_eq!(lines[0]["user.id"], 42);
    let _ = std::fs::remove_dir_all(&crate_dir);
}
