//! Embeds the built widget and dashboard (Trunk's output) into the `hark` binary, so that one file
//! is the whole server. `cargo xtask dist` builds them and sets `HARK_DIST_DIR`; without it the
//! binary still builds, and serves a clear 503 where the assets would be.
//!
//! The loader is the minified `HARK_DIST_DIR/loader/widget.js` that `cargo xtask dist` writes with
//! terser; without it, the readable source `widget/loader.js` (which works the same, but is
//! over its size budget).

use std::{env, fmt::Write as _, fs, path::Path};

const BUNDLES: &[(&str, &[&str])] = &[
    ("WIDGET", &["widget.js", "widget_bg.wasm"]),
    (
        "DASHBOARD",
        &[
            "index.html",
            "dashboard.js",
            "dashboard_bg.wasm",
            "style.css",
        ],
    ),
];

fn main() {
    println!("cargo::rerun-if-env-changed=HARK_DIST_DIR");
    // `sqlx::migrate!` embeds these; a new migration alone must rebuild the crate.
    println!("cargo::rerun-if-changed=migrations");
    let dist = env::var("HARK_DIST_DIR").ok().filter(|d| !d.is_empty());
    let mut out = String::new();
    for (name, files) in BUNDLES {
        let dir = dist
            .as_ref()
            .map(|d| Path::new(d).join(name.to_lowercase()));
        // Each file with its gzip and brotli forms where `cargo xtask dist` made them (empty
        // where not: the collector compresses those itself).
        writeln!(out, "pub(crate) static {name}: &[super::Embedded] = &[").unwrap();
        for file in *files {
            let Some(path) = dir.as_ref().map(|d| d.join(file)) else {
                continue;
            };
            println!("cargo::rerun-if-changed={}", path.display());
            if path.is_file() {
                let abs = fs::canonicalize(&path).unwrap();
                let [gz, br] = ["gz", "br"].map(|suffix| compressed(&path, suffix));
                writeln!(
                    out,
                    "    ({file:?}, include_bytes!({:?}), {gz}, {br}),",
                    abs.display().to_string()
                )
                .unwrap();
            }
        }
        // wasm-bindgen's JavaScript snippets (the dashboard's `preview.js`), which its glue
        // imports from `snippets/CRATE-HASH/…` beside it.
        let snippets = dir
            .as_ref()
            .filter(|_| *name == "DASHBOARD")
            .map(|d| d.join("snippets"));
        if let Some(snippets) = snippets {
            println!("cargo::rerun-if-changed={}", snippets.display());
            let mut found = Vec::new();
            files_under(&snippets, &mut found);
            found.sort();
            for path in found {
                let name = path
                    .strip_prefix(dir.as_ref().unwrap())
                    .unwrap()
                    .to_string_lossy()
                    .replace('\\', "/");
                let abs = fs::canonicalize(&path).unwrap();
                writeln!(
                    out,
                    "    ({name:?}, include_bytes!({:?}), b\"\", b\"\"),",
                    abs.display().to_string()
                )
                .unwrap();
            }
        }
        writeln!(out, "];").unwrap();
    }
    let source = Path::new(&env::var("CARGO_MANIFEST_DIR").unwrap()).join("../widget/loader.js");
    let minified = dist
        .as_ref()
        .map(|d| Path::new(d).join("loader").join("widget.js"));
    if let Some(path) = &minified {
        println!("cargo::rerun-if-changed={}", path.display());
    }
    println!("cargo::rerun-if-changed={}", source.display());
    let loader = minified.filter(|p| p.is_file()).unwrap_or(source);
    writeln!(
        out,
        "pub(crate) static LOADER: &str = include_str!({:?});",
        fs::canonicalize(&loader).unwrap().display().to_string()
    )
    .unwrap();
    let out_dir = env::var("OUT_DIR").unwrap();
    fs::write(Path::new(&out_dir).join("embedded_assets.rs"), out).unwrap();
}

/// `include_bytes!` of `PATH.SUFFIX` when it is at least as new as `path` (made from it by
/// `cargo xtask dist`), else an empty slice.
fn compressed(path: &Path, suffix: &str) -> String {
    let form = std::path::PathBuf::from(format!("{}.{suffix}", path.display()));
    println!("cargo::rerun-if-changed={}", form.display());
    let modified = |p: &Path| p.metadata().and_then(|m| m.modified()).ok();
    match (modified(path), modified(&form)) {
        (Some(raw), Some(made)) if made >= raw => format!(
            "include_bytes!({:?})",
            fs::canonicalize(&form).unwrap().display().to_string()
        ),
        _ => "b\"\"".to_owned(),
    }
}

/// Every file under `dir`, at any depth; none when it does not exist.
fn files_under(dir: &Path, found: &mut Vec<std::path::PathBuf>) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            files_under(&path, found);
        } else {
            found.push(path);
        }
    }
}
