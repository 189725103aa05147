//! Size budgets (DESIGN.md): what a customer's visitors download, as the collector sends it.

use collector::assets::{Asset, Assets, Encoding};

/// The loader, gzip: every page with the snippet pays this. (KB = 1000 bytes: the stricter reading.)
const LOADER_BUDGET: usize = 2_000;
/// The widget's wasm and JS glue, gzip: paid only where a survey is due.
const WIDGET_BUDGET: usize = 60_000;

fn gzip_len(asset: &Asset) -> usize {
    asset.body(Encoding::Gzip).0.len()
}

fn brotli_len(asset: &Asset) -> usize {
    asset.body(Encoding::Brotli).0.len()
}

#[test]
fn the_loader_and_the_widget_fit_their_budgets() {
    let assets = Assets::embedded();
    assert!(
        assets.has_widget(),
        "built without the widget bundle: run `cargo xtask test`"
    );
    let glue = &assets.widget["widget.js"];
    let wasm = &assets.widget["widget_bg.wasm"];
    let loader = gzip_len(&assets.loader);
    let widget = gzip_len(glue) + gzip_len(wasm);

    println!("size: loader widget.js      {:>7} B raw {:>6} B gzip {:>6} B br (budget {LOADER_BUDGET} B gzip)",
        assets.loader.raw().len(), loader, brotli_len(&assets.loader));
    println!(
        "size: widget glue           {:>7} B raw {:>6} B gzip {:>6} B br",
        glue.raw().len(),
        gzip_len(glue),
        brotli_len(glue)
    );
    println!(
        "size: widget wasm           {:>7} B raw {:>6} B gzip {:>6} B br",
        wasm.raw().len(),
        gzip_len(wasm),
        brotli_len(wasm)
    );
    println!("size: widget wasm + glue    {:>7} B raw {:>6} B gzip {:>6} B br (budget {WIDGET_BUDGET} B gzip)",
        glue.raw().len() + wasm.raw().len(), widget, brotli_len(glue) + brotli_len(wasm));

    // The dashboard has no budget (admins load it, not visitors), but its size is printed so
    // that a change that grows it shows in every run.
    if let (Some(glue), Some(wasm)) = (
        assets.dashboard.get("dashboard.js"),
        assets.dashboard.get("dashboard_bg.wasm"),
    ) {
        println!(
            "size: dashboard wasm + glue {:>7} B raw {:>6} B gzip {:>6} B br",
            glue.raw().len() + wasm.raw().len(),
            gzip_len(glue) + gzip_len(wasm),
            brotli_len(glue) + brotli_len(wasm)
        );
    }

    assert!(
        loader <= LOADER_BUDGET,
        "the loader is {loader} B gzip, over its {LOADER_BUDGET} B budget"
    );
    assert!(
        widget <= WIDGET_BUDGET,
        "the widget is {widget} B gzip, over its {WIDGET_BUDGET} B budget"
    );
}
