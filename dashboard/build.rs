//! Makes axe-core's source (as `cargo xtask setup` installs it, or `HARK_AXE`) available to the
//! browser tests as `$OUT_DIR/axe.js`; an empty file where it is not installed, and the
//! accessibility test then says so and checks nothing.

use std::path::PathBuf;

fn main() {
    println!("cargo::rerun-if-env-changed=HARK_AXE");
    let path = std::env::var_os("HARK_AXE").map(PathBuf::from).or_else(|| {
        std::env::var_os("HOME").map(|home| {
            PathBuf::from(home).join(".cache/hark/tools/node_modules/axe-core/axe.min.js")
        })
    });
    let source = path
        .as_ref()
        .and_then(|p| {
            println!("cargo::rerun-if-changed={}", p.display());
            std::fs::read_to_string(p).ok()
        })
        .unwrap_or_default();
    // In CI a missing axe-core is a broken setup, not a reason to check nothing.
    if source.is_empty() && std::env::var_os("CI").is_some() {
        panic!("axe-core is not installed (run `cargo xtask setup` or set HARK_AXE)");
    }
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    std::fs::write(out.join("axe.js"), source).expect("OUT_DIR is writable");
}
