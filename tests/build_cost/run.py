#!/usr/bin/env python3
"""What an observed function costs to build: compile time (debug and release) and code size,
per function, against `#[tracing::instrument]` and no attribute at all, side by side in one run.

Generates a workspace of three binary crates with the same functions and the same dependencies
(tripod, tracing, tokio): `bare` (no attribute), `instrument`
(`#[tracing::instrument(name = .., skip_all, fields(..), err)]`) and `observe`
(`#[tripod::observe(name = .., fields(..))]`). Each has FUNCTIONS functions a shape (SHAPES
below: sync `Result` functions with a field, async ones, async methods each annotated, and
methods of an `impl` block: annotated once for `#[observe]`, each method for `#[instrument]`,
which has no block form), and a `main` that calls every function once.

The dependencies are built first; then each crate's own build is timed (its `main.rs` touched,
`cargo build -p CRATE`, the median of ROUNDS, the crates alternating), in debug and in release,
and the release binary's `.text` read with `size -A`; then `.text` again with twice the
functions, whose difference is what one function more adds (without the runtime each attribute
links once), over all shapes and one shape at a time. Reported: each attribute's cost per
function over `bare`, and the ratio `#[observe]` / `#[instrument]`. With `cargo llvm-lines`
installed (`cargo install cargo-llvm-lines`), the top of its report for the `observe` crate in
release, which names the generic functions that make the code.

Usage: python3 tests/build_cost/run.py [--functions 30] [--rounds 3] [--dir DIR] [--no-llvm-lines]
(DIR defaults to /var/tmp/tripod-build-cost; the generated crates and their target dir live there.)
"""

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SHAPES = ("sync", "async", "method", "impl_block")
VARIANTS = ("bare", "instrument", "observe")


def manifest(name: str) -> str:
    return f"""[package]
name = "{name}"
version = "0.0.0"
edition = "2024"
publish = false

[dependencies]
tripod = {{ path = "{REPO / 'runtime'}" }}
tracing = {{ version = "0.1.44", features = ["attributes"] }}
tokio = {{ version = "1.54", features = ["rt"] }}
"""


def attribute(variant: str, name: str, field: bool) -> str:
    """The attribute on one function (`field`: it records `x`)."""
    if variant == "instrument":
        fields = ", fields(input.x = x)" if field else ""
        return f'#[tracing::instrument(name = "{name}", skip_all{fields}, err)]\n'
    if variant == "observe":
        fields = ", fields(input.x = x)" if field else ""
        return f'#[tripod::observe(name = "{name}"{fields})]\n'
    return ""


def source(variant: str, per_shape: int, shapes=SHAPES) -> str:
    """A crate's `main.rs`: `per_shape` functions of each of `shapes`, and a `main` calling each."""
    out = [
        "#![allow(clippy::all, dead_code)]",
        "",
        "#[derive(Debug)]",
        "pub struct Failed(u64);",
        "",
        "impl std::fmt::Display for Failed {",
        "    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {",
        '        write!(f, "failed at {}", self.0)',
        "    }",
        "}",
        "",
        "impl std::error::Error for Failed {}",
        "",
    ]
    calls = []
    for i in range(per_shape if "sync" in shapes else 0):
        out.append(attribute(variant, f"sync.f{i}", True).rstrip("\n"))
        out += [
            f"pub fn sync_{i}(x: u64) -> Result<u64, Failed> {{",
            f"    if x == u64::MAX - {i} {{ return Err(Failed(x)); }}",
            f"    Ok(x.wrapping_mul({i + 3}).rotate_left({i % 7}))",
            "}",
            "",
        ]
        calls.append(f"    total = total.wrapping_add(sync_{i}(total).unwrap_or(0));")
    for i in range(per_shape if "async" in shapes else 0):
        out.append(attribute(variant, f"async.f{i}", True).rstrip("\n"))
        out += [
            f"pub async fn async_{i}(x: u64) -> Result<u64, Failed> {{",
            "    tokio::task::yield_now().await;",
            f"    if x == u64::MAX - {i} {{ return Err(Failed(x)); }}",
            f"    Ok(x.wrapping_add({i + 5}))",
            "}",
            "",
        ]
        calls.append(
            f"    total = total.wrapping_add(runtime.block_on(async_{i}(total)).unwrap_or(0));"
        )
    out += ["pub struct Methods { base: u64 }", "", "impl Methods {"]
    for i in range(per_shape if "method" in shapes else 0):
        attr = attribute(variant, f"methods.m{i}", True)
        out += ["    " + line for line in attr.splitlines()]
        out += [
            f"    pub async fn m{i}(&self, x: u64) -> Result<u64, Failed> {{",
            "        tokio::task::yield_now().await;",
            f"        if x == u64::MAX - {i} {{ return Err(Failed(x)); }}",
            f"        Ok(x ^ self.base.wrapping_add({i}))",
            "    }",
            "",
        ]
        calls.append(
            f"    total = total.wrapping_add(runtime.block_on(methods.m{i}(total)).unwrap_or(0));"
        )
    out += ["}", "", "pub struct Block { base: u64 }", ""]
    if variant == "observe" and "impl_block" in shapes:
        out.append("#[tripod::observe]")
    out.append("impl Block {")
    for i in range(per_shape if "impl_block" in shapes else 0):
        if variant == "instrument":
            out.append(f'    #[tracing::instrument(name = "block.b{i}", skip_all, err)]')
        elif variant == "observe":
            out.append(f'    #[observe(name = "block.b{i}")]')
        out += [
            f"    pub async fn b{i}(&self, x: u64) -> Result<u64, Failed> {{",
            "        tokio::task::yield_now().await;",
            f"        if x == u64::MAX - {i} {{ return Err(Failed(x)); }}",
            f"        Ok(x.wrapping_sub(self.base).wrapping_add({i}))",
            "    }",
            "",
        ]
        calls.append(
            f"    total = total.wrapping_add(runtime.block_on(block.b{i}(total)).unwrap_or(0));"
        )
    out += [
        "}",
        "",
        "#[allow(unused_variables)]",
        "fn main() {",
        "    let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();",
        "    let methods = Methods { base: 7 };",
        "    let block = Block { base: 9 };",
        "    let mut total: u64 = std::env::args().count() as u64;",
        *calls,
        '    println!("{total}");',
        "}",
        "",
    ]
    return "\n".join(out)


def run(command, cwd, env=None, quiet=True):
    result = subprocess.run(
        command,
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE if quiet else None,
        stderr=subprocess.STDOUT if quiet else None,
        text=True,
    )
    if result.returncode != 0:
        sys.exit(f"{' '.join(command)} failed:\n{result.stdout or ''}")
    return result.stdout or ""


def generate(root: Path, per_shape: int):
    root.mkdir(parents=True, exist_ok=True)
    # The repository's lock file: the same versions as tripod's own builds (its entries for
    # crates these three do not use are left aside by cargo).
    shutil.copy(REPO / "Cargo.lock", root / "Cargo.lock")
    members = ", ".join(f'"{variant}"' for variant in VARIANTS)
    (root / "Cargo.toml").write_text(
        f'[workspace]\nresolver = "3"\nmembers = [{members}]\n\n'
        "[profile.release]\ndebug = false\n"
    )
    for variant in VARIANTS:
        crate = root / variant
        (crate / "src").mkdir(parents=True, exist_ok=True)
        (crate / "Cargo.toml").write_text(manifest(variant))
        (crate / "src" / "main.rs").write_text(source(variant, per_shape))


def timed_build(root: Path, env, variant: str, release: bool) -> float:
    main = root / variant / "src" / "main.rs"
    os.utime(main)
    command = ["cargo", "build", "-q", "-p", variant] + (["--release"] if release else [])
    start = time.perf_counter()
    run(command, root, env)
    return time.perf_counter() - start


def text_bytes(binary: Path) -> int:
    for line in run(["size", "-A", str(binary)], binary.parent).splitlines():
        parts = line.split()
        if parts and parts[0] == ".text":
            return int(parts[1])
    sys.exit(f"no .text in {binary}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--functions", type=int, default=30, help="functions of each shape")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--dir", default="/var/tmp/tripod-build-cost")
    parser.add_argument("--no-llvm-lines", action="store_true")
    args = parser.parse_args()
    root = Path(args.dir)
    if root.exists():
        for variant in VARIANTS:
            shutil.rmtree(root / variant, ignore_errors=True)
    generate(root, args.functions)
    env = dict(os.environ, CARGO_TARGET_DIR=str(root / "target"), CARGO_INCREMENTAL="0")
    functions = args.functions * len(SHAPES)
    print(
        f"build_cost: {functions} functions a crate ({args.functions} of each of "
        f"{', '.join(SHAPES)}), median of {args.rounds} builds",
        flush=True,
    )
    results = {}
    for release in (False, True):
        profile = "release" if release else "debug"
        # Dependencies (and one build of each crate) first, untimed.
        run(["cargo", "build", "-q", "--workspace"] + (["--release"] if release else []), root, env)
        times = {variant: [] for variant in VARIANTS}
        for _ in range(args.rounds):
            for variant in VARIANTS:
                times[variant].append(timed_build(root, env, variant, release))
        results[profile] = {variant: statistics.median(times[variant]) for variant in VARIANTS}
        spread = ", ".join(
            f"{variant} {min(t):.2f}–{max(t):.2f} s" for variant, t in times.items()
        )
        print(f"  {profile} builds: {spread}", flush=True)
    text = {
        variant: text_bytes(root / "target" / "release" / variant) for variant in VARIANTS
    }
    # The same crates with twice the functions: what one function more adds, without the code
    # each attribute's runtime links once whatever the number of functions (tripod's `__private`
    # and what it calls, `tracing`'s dispatch), which the figure above spreads over FUNCTIONS.
    for variant in VARIANTS:
        (root / variant / "src" / "main.rs").write_text(source(variant, 2 * args.functions))
    run(["cargo", "build", "-q", "--workspace", "--release"], root, env)
    doubled = {
        variant: text_bytes(root / "target" / "release" / variant) for variant in VARIANTS
    }
    marginal = {variant: (doubled[variant] - text[variant]) / functions for variant in VARIANTS}
    # The same, one shape at a time: what one function more of that shape adds.
    by_shape = {}
    for shape in SHAPES:
        sizes = []
        for per_shape in (args.functions, 2 * args.functions):
            for variant in VARIANTS:
                (root / variant / "src" / "main.rs").write_text(
                    source(variant, per_shape, (shape,))
                )
            run(["cargo", "build", "-q", "--workspace", "--release"], root, env)
            sizes.append(
                {v: text_bytes(root / "target" / "release" / v) for v in VARIANTS}
            )
        one_more = {
            v: (sizes[1][v] - sizes[0][v]) / args.functions for v in VARIANTS
        }
        by_shape[shape] = (
            one_more["instrument"] - one_more["bare"],
            one_more["observe"] - one_more["bare"],
        )
    rows = [
        (
            "debug build",
            (results["debug"]["instrument"] - results["debug"]["bare"]) / functions * 1e3,
            (results["debug"]["observe"] - results["debug"]["bare"]) / functions * 1e3,
            "ms",
        ),
        (
            "release build",
            (results["release"]["instrument"] - results["release"]["bare"]) / functions * 1e3,
            (results["release"]["observe"] - results["release"]["bare"]) / functions * 1e3,
            "ms",
        ),
        (
            "release .text",
            (text["instrument"] - text["bare"]) / functions,
            (text["observe"] - text["bare"]) / functions,
            "bytes",
        ),
        (
            f"release .text, one function more ({functions} → {2 * functions})",
            marginal["instrument"] - marginal["bare"],
            marginal["observe"] - marginal["bare"],
            "bytes",
        ),
    ] + [
        (f"release .text, one {shape} function more", instrument, observe, "bytes")
        for shape, (instrument, observe) in by_shape.items()
    ]
    print()
    print("| per function, over bare | `#[instrument]` | `#[observe]` | ratio |")
    print("| --- | --- | --- | --- |")
    for what, instrument, observe, unit in rows:
        ratio = observe / instrument if instrument > 0 else float("nan")
        digits = 1 if unit == "ms" else 0
        print(
            f"| {what} | +{instrument:,.{digits}f} {unit} | +{observe:,.{digits}f} {unit} "
            f"| {ratio:.2f}× |"
        )
    print(
        f"\n(.text: bare {text['bare']:,}, instrument {text['instrument']:,}, "
        f"observe {text['observe']:,} bytes; with {2 * functions} functions: bare "
        f"{doubled['bare']:,}, instrument {doubled['instrument']:,}, observe "
        f"{doubled['observe']:,} bytes)"
    )
    if args.no_llvm_lines:
        return
    if shutil.which("cargo-llvm-lines") is None:
        print("\n(cargo llvm-lines is not installed: `cargo install cargo-llvm-lines` adds its report)")
        return
    for variant in VARIANTS:
        (root / variant / "src" / "main.rs").write_text(source(variant, args.functions))
    for variant in ("instrument", "observe"):
        report = run(
            ["cargo", "llvm-lines", "-q", "--release", "-p", variant, "--bin", variant],
            root,
            env,
        )
        print(f"\ncargo llvm-lines --release -p {variant} (the top 25):")
        print("\n".join(report.splitlines()[:27]))


if __name__ == "__main__":
    main()
