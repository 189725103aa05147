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

const CSS: &str = r#"
:host {
  all: initial !important;
  display: block !important;
  position: fixed !important;
  right: 16px !important;
  bottom: 16px !important;
  z-index: 2147483647 !important;
  visibility: visible !important;
  font: 14px/1.4 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif !important;
  color: #1f2328 !important;
}
:host([data-pos=left]) { right: auto !important; left: 16px !important; }
:host([data-hosted]) { position: static !important; display: flex !important; justify-content: center !important; padding: 24px 8px !important; }
*, *::before, *::after { box-sizing: border-box; }
[hidden] { display: none !important; }
.light, .auto { --bg: #fff; --fg: #1f2328; --mu: #57606a; --bd: #d0d7de; --sf: #f6f8fa; --er: #cf222e; }
.dark { --bg: #1c2128; --fg: #e6edf3; --mu: #9da7b3; --bd: #444c56; --sf: #2d333b; --er: #ff7b72; }
@media (prefers-color-scheme: dark) {
  .auto { --bg: #1c2128; --fg: #e6edf3; --mu: #9da7b3; --bd: #444c56; --sf: #2d333b; --er: #ff7b72; }
}
.card {
  position: relative; width: 360px; max-width: calc(100vw - 32px); padding: 16px;
  background: var(--bg); color: var(--fg); border: 1px solid var(--bd); border-radius: var(--r);
  box-shadow: 0 8px 24px rgba(0, 0, 0, .18); font: inherit; text-align: start;
  animation: hark-in .2s ease-out;
}
@keyframes hark-in { from { opacity: 0; transform: translateY(8px); } }
form { display: block; margin: 0; }
.prompt { margin: 0 28px 12px 0; font-size: 15px; font-weight: 600; }
[dir=rtl] .prompt { margin: 0 0 12px 28px; }
.optional { margin-inline-start: 6px; font-weight: 400; color: var(--mu); }
.scale { display: flex; gap: 4px; }
.scale > * { flex: 1; min-width: 0; height: 34px; padding: 0; }
.list { display: flex; flex-direction: column; gap: 6px; margin-bottom: 12px; }
.list > * { padding: 8px 10px; text-align: start; }
button, input, textarea {
  appearance: none; margin: 0; font: inherit; color: inherit; text-transform: none; letter-spacing: normal;
}
button { cursor: pointer; }
[role=radio], [role=checkbox], .list > button {
  display: block; background: var(--sf); border: 1px solid var(--bd); border-radius: calc(var(--r) / 2);
  transition: background-color .12s, border-color .12s;
}
[role=radio]:hover, [role=checkbox]:hover, .list > button:hover { border-color: var(--mu); }
[aria-checked=true] { background: var(--b); border-color: var(--b); color: var(--bt); }
.consent { width: 100%; margin: 8px 0 12px; padding: 8px 10px; text-align: start; }
.consent::before { content: "☐ "; }
.consent[aria-checked=true]::before { content: "☑ "; }
.ends { display: flex; justify-content: space-between; margin: 6px 0 14px; font-size: 12px; color: var(--mu); }
input, textarea {
  display: block; width: 100%; padding: 8px 10px; background: var(--bg); border: 1px solid var(--bd);
  border-radius: calc(var(--r) / 2); resize: vertical;
}
input.other { margin: -6px 0 12px; }
textarea { margin-bottom: 12px; }
.send {
  display: block; width: 100%; height: 36px; padding: 0 12px; font-weight: 600;
  background: var(--b); color: var(--bt); border: 0; border-radius: calc(var(--r) / 1.5);
}
.send:disabled { background: var(--bd); color: var(--fg); cursor: default; opacity: .7; }
.close {
  position: absolute; top: 8px; right: 8px; display: block; width: 28px; height: 28px; padding: 0;
  font-size: 20px; line-height: 1; color: var(--mu); background: transparent; border: 0; border-radius: 6px;
}
[dir=rtl] .close { right: auto; left: 8px; }
.close:hover { background: var(--sf); color: var(--fg); }
:focus { outline: none; }
:focus-visible { outline: 2px solid var(--b); outline-offset: 2px; }
p:empty { display: none; }
.thanks, .queued, .error { margin: 12px 28px 0 0; }
.thanks { font-weight: 600; }
.error { color: var(--er); }
@media (prefers-reduced-motion: reduce) {
  *, *::before, *::after { animation: none !important; transition: none !important; }
}
"#;

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
    let brand = get("brand")
        .as_string()
        .filter(|b| {
            b.len() == 7 && b.starts_with('#') && b[1..].bytes().all(|c| c.is_ascii_hexdigit())
        })
        .unwrap_or_else(|| "#0969da".into());
    let radius = get("radius")
        .as_f64()
        .filter(|r| (0.0..=24.0).contains(r))
        .unwrap_or(12.0) as u8;
    // White text on a dark brand colour, black on a light one: WCAG's relative luminance, with
    // sRGB's transfer curve taken as a square (within a few percent, and no `powf` on the page),
    // against 0.179, where black and white text contrast equally.
    let channel = |i: usize| {
        let c = f64::from(u8::from_str_radix(&brand[i..i + 2], 16).unwrap_or(0)) / 255.0;
        c * c
    };
    let luminance = 0.2126 * channel(1) + 0.7152 * channel(3) + 0.0722 * channel(5);
    let text = if luminance > 0.179 { "#000" } else { "#fff" };
    let mut css = String::from(".card{--b:");
    css += &brand;
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
