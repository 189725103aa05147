//! The files the collector serves as they are: the loader, the widget bundle, the dashboard.
//!
//! The widget and dashboard are embedded in the binary at build time (see `build.rs`), the large
//! files (the wasm bundles) with their gzip and brotli forms, which `cargo xtask dist` makes once:
//! brotli's best on the dashboard's wasm takes seconds and a hundred MB that no collector should
//! spend at its start. Embedded files are served from the binary's own pages with an `ETag`. A
//! small file is compressed by the first request that wants it; a large one that came without
//! its forms (a build without `dist`, or assets given by a test) by a background thread started
//! with the server, and until then it is served in the best form already made (gzip, else as it
//! is).

use axum::body::Bytes;
use base64::Engine as _;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::io::Write as _;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};

/// An embedded file: its name, its bytes, and its gzip and brotli forms (empty where the build
/// made none).
type Embedded = (&'static str, &'static [u8], &'static [u8], &'static [u8]);

mod embedded {
    include!(concat!(env!("OUT_DIR"), "/embedded_assets.rs"));
}

/// The hand-written loader, served at `/widget.js`: minified by `cargo xtask dist` (see `build.rs`).
const LOADER: &str = embedded::LOADER;
/// The placeholder in the loader that stands for the versioned bundle path.
const ASSETS_PLACEHOLDER: &str = "__HARK_ASSETS__";

/// A content encoding the server can answer with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    Identity,
    Gzip,
    Brotli,
}

impl Encoding {
    /// Picks the best encoding a client accepts, from its `Accept-Encoding`.
    pub fn negotiate(accept: Option<&str>) -> Encoding {
        let Some(accept) = accept else {
            return Encoding::Identity;
        };
        let accepts = |name: &str| {
            accept.split(',').any(|part| {
                let mut it = part.split(';');
                let coding = it.next().unwrap_or("").trim();
                let refused = it.any(|p| {
                    let p = p.trim().replace(' ', "");
                    p == "q=0" || p == "q=0.0" || p == "q=0.00" || p == "q=0.000"
                });
                coding.eq_ignore_ascii_case(name) && !refused
            })
        };
        if accepts("br") {
            Encoding::Brotli
        } else if accepts("gzip") {
            Encoding::Gzip
        } else {
            Encoding::Identity
        }
    }

    pub fn header_value(self) -> Option<&'static str> {
        match self {
            Encoding::Identity => None,
            Encoding::Gzip => Some("gzip"),
            Encoding::Brotli => Some("br"),
        }
    }
}

/// One file, with its compressed forms made on demand.
#[derive(Debug)]
pub struct Asset {
    pub content_type: &'static str,
    pub etag: String,
    raw: Bytes,
    gzip: OnceLock<Bytes>,
    brotli: OnceLock<Bytes>,
}

impl Asset {
    fn new(name: &str, raw: impl Into<Bytes>) -> Self {
        let raw = raw.into();
        let etag = format!("\"{}\"", &hex::encode(Sha256::digest(&raw))[..20]);
        Self {
            content_type: content_type(name),
            etag,
            raw,
            gzip: OnceLock::new(),
            brotli: OnceLock::new(),
        }
    }

    /// A file embedded in the binary, with the compressed forms made at build time (empty where
    /// none was): served from the binary's own pages, never copied.
    fn embedded(
        name: &str,
        raw: &'static [u8],
        gzip: &'static [u8],
        brotli: &'static [u8],
    ) -> Self {
        let asset = Self::new(name, Bytes::from_static(raw));
        if !gzip.is_empty() {
            let _ = asset.gzip.set(Bytes::from_static(gzip));
        }
        if !brotli.is_empty() {
            let _ = asset.brotli.set(Bytes::from_static(brotli));
        }
        asset
    }

    /// The bytes to send for an encoding, and the encoding they are in. Compression is skipped
    /// where it would not help; a large file is never compressed here (see the module's doc),
    /// it comes in the best form made so far.
    pub fn body(&self, encoding: Encoding) -> (Bytes, Encoding) {
        if self.raw.len() < 256 {
            return (self.raw.clone(), Encoding::Identity);
        }
        if self.raw.len() <= COMPRESSED_ON_REQUEST_UP_TO {
            return (self.compressed(encoding), encoding);
        }
        let brotli = match encoding {
            Encoding::Brotli => self.brotli.get(),
            _ => None,
        };
        let gzip = match encoding {
            Encoding::Brotli | Encoding::Gzip => self.gzip.get(),
            Encoding::Identity => None,
        };
        match (brotli, gzip) {
            (Some(br), _) => (br.clone(), Encoding::Brotli),
            (None, Some(gz)) => (gz.clone(), Encoding::Gzip),
            (None, None) => (self.raw.clone(), Encoding::Identity),
        }
    }

    /// The file in `encoding`, compressed now if it was not yet (which may take seconds).
    pub fn compressed(&self, encoding: Encoding) -> Bytes {
        match encoding {
            Encoding::Identity => &self.raw,
            Encoding::Gzip => self.gzip.get_or_init(|| gzip(&self.raw).into()),
            Encoding::Brotli => self.brotli.get_or_init(|| brotli(&self.raw).into()),
        }
        .clone()
    }

    pub fn raw(&self) -> &[u8] {
        &self.raw
    }
}

/// Files up to this size are compressed by the first request that wants them (in milliseconds);
/// larger ones by `Assets::compress_in_background`.
const COMPRESSED_ON_REQUEST_UP_TO: usize = 64 * 1024;

/// Every file the collector serves from memory.
#[derive(Debug)]
pub struct Assets {
    /// A digest of the widget bundle, in its URL so that it can be cached for a year.
    pub version: String,
    pub loader: Asset,
    pub widget: HashMap<&'static str, Asset>,
    pub dashboard: HashMap<&'static str, Asset>,
    /// The dashboard page's Content-Security-Policy (`dashboard_csp`).
    pub dashboard_csp: String,
    compressing: AtomicBool,
}

impl Assets {
    /// The assets embedded in this binary: one copy per process, so that what is compressed
    /// once serves every server the process runs (the tests run many).
    pub fn embedded() -> Arc<Self> {
        static EMBEDDED: OnceLock<Arc<Assets>> = OnceLock::new();
        EMBEDDED
            .get_or_init(|| {
                let table = |files: &'static [Embedded]| {
                    files
                        .iter()
                        .map(|&(name, raw, gz, br)| (name, Asset::embedded(name, raw, gz, br)))
                        .collect()
                };
                Arc::new(Self::from_tables(
                    table(embedded::WIDGET),
                    table(embedded::DASHBOARD),
                ))
            })
            .clone()
    }

    /// Compresses the large files on a thread of their own, gzip first (the quick one), then
    /// brotli; once per `Assets`, however often it is called.
    pub fn compress_in_background(self: &Arc<Self>) {
        if self.compressing.swap(true, Ordering::AcqRel) {
            return;
        }
        let assets = self.clone();
        let spawned = std::thread::Builder::new()
            .name("hark-compress".into())
            .spawn(move || {
                let large: Vec<&Asset> = assets
                    .widget
                    .values()
                    .chain(assets.dashboard.values())
                    .filter(|a| a.raw.len() > COMPRESSED_ON_REQUEST_UP_TO)
                    .collect();
                for encoding in [Encoding::Gzip, Encoding::Brotli] {
                    for asset in &large {
                        asset.compressed(encoding);
                    }
                }
            });
        if let Err(e) = spawned {
            tracing::warn!(error = %e, "cannot start the compression thread; large files go uncompressed");
        }
    }

    /// Assets from these files (each compressed here when first wanted).
    pub fn from_files(
        widget: &[(&'static str, &[u8])],
        dashboard: &[(&'static str, &[u8])],
    ) -> Self {
        let table = |files: &[(&'static str, &[u8])]| {
            files
                .iter()
                .map(|(name, bytes)| (*name, Asset::new(name, bytes.to_vec())))
                .collect()
        };
        Self::from_tables(table(widget), table(dashboard))
    }

    fn from_tables(
        widget: HashMap<&'static str, Asset>,
        dashboard: HashMap<&'static str, Asset>,
    ) -> Self {
        // The version names the bundle's contents, in a fixed order.
        let mut names: Vec<&&str> = widget.keys().collect();
        names.sort();
        let mut digest = Sha256::new();
        for name in names {
            digest.update(name.as_bytes());
            digest.update(widget[*name].raw());
        }
        let version = hex::encode(digest.finalize())[..12].to_owned();
        let loader = LOADER.replace(ASSETS_PLACEHOLDER, &format!("/assets/{version}"));
        let csp = dashboard_csp(dashboard.get("index.html").map_or(&[][..], Asset::raw));
        Self {
            loader: Asset::new("widget.js", loader.into_bytes()),
            widget,
            dashboard,
            dashboard_csp: csp,
            version,
            compressing: AtomicBool::new(false),
        }
    }

    /// Whether the wasm bundles were built into this binary.
    pub fn has_widget(&self) -> bool {
        self.widget.contains_key("widget_bg.wasm")
    }

    pub fn has_dashboard(&self) -> bool {
        self.dashboard.contains_key("index.html")
    }
}

/// The dashboard page's Content-Security-Policy: its own scripts, styles and wasm, each inline
/// script of its `index.html` by hash (the build's start-up module), its own API; no inline
/// style, no plugin, no `<base>`, and no framing.
pub fn dashboard_csp(index: &[u8]) -> String {
    let html = String::from_utf8_lossy(index);
    let mut hashes = String::new();
    let mut rest = &*html;
    while let Some(open) = rest.find("<script") {
        let Some(body) = rest[open..].find('>').map(|end| open + end + 1) else {
            break;
        };
        let Some(len) = rest[body..].find("</script>") else {
            break;
        };
        if !rest[open..body].contains(" src=") {
            let digest = Sha256::digest(&rest.as_bytes()[body..body + len]);
            hashes.push_str(" 'sha256-");
            hashes.push_str(&base64::engine::general_purpose::STANDARD.encode(digest));
            hashes.push('\'');
        }
        rest = &rest[body + len..];
    }
    format!(
        "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'{hashes}; style-src 'self'; \
         connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'self'; \
         frame-ancestors 'none'"
    )
}

fn content_type(name: &str) -> &'static str {
    match name.rsplit('.').next() {
        Some("js") => "text/javascript; charset=utf-8",
        Some("wasm") => "application/wasm",
        Some("html") => "text/html; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("json") => "application/json",
        _ => "application/octet-stream",
    }
}

/// Files up to this size are gzipped with zopfli: a few percent smaller than zlib's best, read by
/// every gzip decoder, and paid for once (each file is compressed once). The loader is such a file.
const ZOPFLI_UP_TO: usize = 16 * 1024;

fn gzip(raw: &[u8]) -> Vec<u8> {
    if raw.len() <= ZOPFLI_UP_TO {
        let mut out = Vec::new();
        let options = zopfli::Options {
            iteration_count: std::num::NonZeroU64::new(100).expect("not zero"),
            ..Default::default()
        };
        zopfli::compress(options, zopfli::Format::Gzip, raw, &mut out).expect("writing to memory");
        return out;
    }
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    enc.write_all(raw).expect("writing to memory");
    enc.finish().expect("writing to memory")
}

fn brotli(raw: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let params = brotli::enc::BrotliEncoderParams {
        quality: 11,
        lgwin: 22,
        ..Default::default()
    };
    brotli::BrotliCompress(&mut &raw[..], &mut out, &params).expect("writing to memory");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_dashboard_policy_allows_its_inline_start_up_script_by_hash_and_nothing_inline_else() {
        let index = b"<html><head><script type=\"module\">init();</script>\
            <script src=\"/dashboard/x.js\"></script><script>\nrun()\n</script></head></html>";
        let csp = dashboard_csp(index);
        let hash = |s: &str| {
            base64::engine::general_purpose::STANDARD.encode(Sha256::digest(s.as_bytes()))
        };
        assert!(csp.starts_with("default-src 'none'; script-src 'self' 'wasm-unsafe-eval' "));
        assert!(csp.contains(&format!("'sha256-{}'", hash("init();"))));
        assert!(csp.contains(&format!("'sha256-{}'", hash("\nrun()\n"))));
        assert_eq!(csp.matches("'sha256-").count(), 2, "{csp}");
        assert!(csp.contains("style-src 'self';"));
        assert!(!csp.contains("unsafe-inline"));
        assert!(csp.ends_with("frame-ancestors 'none'"));
        // A page without inline scripts allows none.
        assert!(!dashboard_csp(b"<html></html>").contains("sha256"));
    }

    #[test]
    fn negotiates_the_best_accepted_encoding() {
        assert_eq!(Encoding::negotiate(None), Encoding::Identity);
        assert_eq!(
            Encoding::negotiate(Some("gzip, deflate, br")),
            Encoding::Brotli
        );
        assert_eq!(Encoding::negotiate(Some("gzip")), Encoding::Gzip);
        assert_eq!(Encoding::negotiate(Some("br;q=0, gzip")), Encoding::Gzip);
        assert_eq!(Encoding::negotiate(Some("identity")), Encoding::Identity);
    }

    #[test]
    fn compressed_bodies_round_trip() {
        let text = "hark ".repeat(1000);
        let asset = Asset::new("a.js", text.clone().into_bytes());
        let (gz, enc) = asset.body(Encoding::Gzip);
        assert_eq!(enc, Encoding::Gzip);
        let mut out = String::new();
        std::io::Read::read_to_string(&mut flate2::read::GzDecoder::new(&gz[..]), &mut out)
            .unwrap();
        assert_eq!(out, text);
        let (br, _) = asset.body(Encoding::Brotli);
        let mut out = Vec::new();
        brotli::BrotliDecompress(&mut &br[..], &mut out).unwrap();
        assert_eq!(out, text.as_bytes());
    }

    #[test]
    fn small_files_round_trip_through_zopfli() {
        let text = "hark loader ".repeat(100);
        let asset = Asset::new("a.js", text.clone().into_bytes());
        let (gz, _) = asset.body(Encoding::Gzip);
        let mut out = String::new();
        std::io::Read::read_to_string(&mut flate2::read::GzDecoder::new(&gz[..]), &mut out)
            .unwrap();
        assert_eq!(out, text);
    }

    #[test]
    fn a_file_embedded_with_its_forms_is_served_in_them_from_the_start() {
        static WASM: [u8; 100_000] = [7; 100_000];
        let gz: &'static [u8] = Vec::leak(gzip(&WASM));
        let br: &'static [u8] = Vec::leak(brotli(&WASM));
        let asset = Asset::embedded("widget_bg.wasm", &WASM, gz, br);
        assert_eq!(
            asset.body(Encoding::Brotli),
            (Bytes::from_static(br), Encoding::Brotli)
        );
        assert_eq!(
            asset.body(Encoding::Gzip),
            (Bytes::from_static(gz), Encoding::Gzip)
        );
        assert_eq!(asset.body(Encoding::Identity).1, Encoding::Identity);
        // Without forms, as it is until the background thread made them.
        let bare = Asset::embedded("widget_bg.wasm", &WASM, b"", b"");
        assert_eq!(bare.body(Encoding::Brotli).1, Encoding::Identity);
    }

    #[test]
    fn this_binarys_bundles_came_with_their_forms() {
        let assets = Assets::embedded();
        if !assets.has_dashboard() {
            println!("skipped: built without `cargo xtask dist`'s bundles");
            return;
        }
        for (name, asset) in assets.widget.iter().chain(assets.dashboard.iter()) {
            if asset.raw().len() > 64 * 1024 {
                assert_eq!(asset.body(Encoding::Brotli).1, Encoding::Brotli, "{name}");
                assert_eq!(asset.body(Encoding::Gzip).1, Encoding::Gzip, "{name}");
                let (br, _) = asset.body(Encoding::Brotli);
                let mut out = Vec::new();
                brotli::BrotliDecompress(&mut &br[..], &mut out).unwrap();
                assert!(out == asset.raw(), "{name}'s brotli form is of other bytes");
            }
        }
    }

    #[test]
    fn a_large_file_is_served_as_made_so_far_and_compressed_in_the_background() {
        let wasm: Vec<u8> = (0..200_000u32)
            .flat_map(|i| (i % 251).to_le_bytes())
            .collect();
        let assets = Arc::new(Assets::from_files(&[("widget_bg.wasm", &wasm)], &[]));
        let asset = &assets.widget["widget_bg.wasm"];
        // Nothing made yet: as it is, at once, whatever was asked.
        assert_eq!(asset.body(Encoding::Brotli).1, Encoding::Identity);
        assert_eq!(asset.body(Encoding::Gzip).1, Encoding::Identity);
        assets.compress_in_background();
        assets.compress_in_background();
        let started = std::time::Instant::now();
        while asset.body(Encoding::Brotli).1 != Encoding::Brotli {
            assert!(started.elapsed() < std::time::Duration::from_secs(60));
            std::thread::yield_now();
        }
        assert_eq!(asset.body(Encoding::Gzip).1, Encoding::Gzip);
        assert_eq!(asset.body(Encoding::Identity).1, Encoding::Identity);
        let (br, _) = asset.body(Encoding::Brotli);
        let mut out = Vec::new();
        brotli::BrotliDecompress(&mut &br[..], &mut out).unwrap();
        assert_eq!(out, wasm);
    }

    #[test]
    fn the_loader_points_at_the_versioned_bundle() {
        let assets = Assets::from_files(&[("widget_bg.wasm", b"\0asm")], &[]);
        let loader = String::from_utf8(assets.loader.raw().to_vec()).unwrap();
        assert!(!loader.contains(ASSETS_PLACEHOLDER));
        assert!(loader.contains(&format!("/assets/{}", assets.version)));
    }
}
