//! The widget's only stylesheet, adopted by its shadow root.
//!
//! Isolation works in two directions. Inward: selectors of the host page cannot match elements
//! inside the shadow tree, and the `:host` rule below resets everything the page could set on the
//! `<hark-widget>` element itself (and so make inherit inward). Its `!important` declarations win
//! over the page's `!important` ones, because for important declarations the inner tree's context
//! wins. Outward: these rules only apply inside the shadow tree, and no `<style>` or `style`
//! attribute is ever added to the page.

use wasm_bindgen::JsValue;
use web_sys::{CssStyleSheet, Document, ShadowRoot};

/// The stylesheet (`style.css`), with its comments and indentation taken out by `build.rs`.
const CSS: &str = include_str!(concat!(env!("OUT_DIR"), "/style.min.css"));

/// Styles `shadow` with the stylesheet and the site's theme (`brand`, `radius`, as CSS custom
/// properties in the same constructed sheet: no `style` attribute, so a page's CSP that forbids
/// inline styles does not matter); where the browser cannot construct a sheet (Safari before
/// 16.4), with a `<style>` element inside the shadow root. Tells whether the widget sits left.
pub(crate) fn adopt(
    shadow: &ShadowRoot,
    document: &Document,
    theme: &JsValue,
) -> Result<bool, JsValue> {
    let get = |key: &str| js_sys::Reflect::get(theme, &key.into()).unwrap_or(JsValue::UNDEFINED);
    // `#rrggbb`, read byte by byte (slicing a `str` brings in its panic formatting).
    let hex = |c: u8| match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    };
    let given = get("brand").as_string().unwrap_or_default();
    let rgb = match given.as_bytes() {
        [b'#', digits @ ..] if digits.len() == 6 => {
            let mut rgb = [0u8; 3];
            let mut ok = true;
            for (k, pair) in digits.chunks(2).enumerate() {
                match (hex(pair[0]), hex(pair[1])) {
                    (Some(high), Some(low)) => rgb[k] = high * 16 + low,
                    _ => ok = false,
                }
            }
            ok.then_some(rgb)
        }
        _ => None,
    };
    let (brand, rgb) = match rgb {
        Some(rgb) => (given.as_str(), rgb),
        None => ("#0969da", [0x09, 0x69, 0xda]),
    };
    let radius = get("radius")
        .as_f64()
        .filter(|r| (0.0..=24.0).contains(r))
        .unwrap_or(12.0) as u8;
    // White text on a dark brand colour, black on a light one: WCAG's relative luminance, with
    // sRGB's transfer curve taken as a square (within a few percent, and no `powf` on the page),
    // against 0.179, where black and white text contrast equally.
    let channel = |c: u8| {
        let c = f64::from(c) / 255.0;
        c * c
    };
    let luminance = 0.2126 * channel(rgb[0]) + 0.7152 * channel(rgb[1]) + 0.0722 * channel(rgb[2]);
    let text = if luminance > 0.179 { "#000" } else { "#fff" };
    let mut css = String::from(".card{--b:");
    css += brand;
    css += ";--bt:";
    css += text;
    css += ";--r:";
    css += crate::flow::NUMBERS_24[usize::from(radius)];
    css += "px}";
    css += CSS;
    let adoptable = js_sys::Reflect::has(shadow, &"adoptedStyleSheets".into()).unwrap_or(false);
    if let (true, Ok(sheet)) = (adoptable, CssStyleSheet::new()) {
        sheet.replace_sync(&css)?;
        shadow.set_adopted_style_sheets(&js_sys::Array::of1(&sheet));
    } else {
        let style = document.create_element("style")?;
        style.set_text_content(Some(&css));
        shadow.append_child(&style)?;
    }
    Ok(get("position").as_string().as_deref() == Some("bottom_left"))
}
