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
  direction: ltr !important;
  font: 14px/1.4 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif !important;
  color: #1f2328 !important;
}
*, *::before, *::after { box-sizing: border-box; }
[hidden] { display: none !important; }
.card {
  position: relative; width: 360px; max-width: calc(100vw - 32px); padding: 16px;
  background: #fff; color: #1f2328; border: 1px solid #d0d7de; border-radius: 12px;
  box-shadow: 0 8px 24px rgba(0, 0, 0, .18); font: inherit; text-align: left;
  animation: hark-in .2s ease-out;
}
@keyframes hark-in { from { opacity: 0; transform: translateY(8px); } }
form { display: block; margin: 0; }
.prompt { margin: 0 28px 12px 0; font-size: 15px; font-weight: 600; }
.scale { display: grid; grid-template-columns: repeat(11, 1fr); gap: 4px; }
button {
  appearance: none; margin: 0; font: inherit; color: inherit; cursor: pointer;
  text-transform: none; letter-spacing: normal;
}
[role=radio] {
  display: block; min-width: 0; height: 32px; padding: 0; font-size: 13px;
  background: #f6f8fa; border: 1px solid #d0d7de; border-radius: 6px;
  transition: background-color .12s, border-color .12s;
}
[role=radio]:hover { border-color: #8c959f; }
[role=radio][aria-checked=true] { background: #0969da; border-color: #0969da; color: #fff; }
.ends { display: flex; justify-content: space-between; margin: 6px 0 14px; font-size: 12px; color: #57606a; }
.send {
  display: block; width: 100%; height: 36px; padding: 0 12px; font-weight: 600;
  background: #1f2328; color: #fff; border: 0; border-radius: 8px;
}
.send:disabled { background: #d0d7de; color: #57606a; cursor: default; }
.close {
  position: absolute; top: 8px; right: 8px; display: block; width: 28px; height: 28px; padding: 0;
  font-size: 20px; line-height: 1; color: #57606a; background: transparent; border: 0; border-radius: 6px;
}
.close:hover { background: #f6f8fa; color: #1f2328; }
:focus { outline: none; }
:focus-visible { outline: 2px solid #0969da; outline-offset: 2px; }
.thanks, .error { margin: 12px 28px 0 0; }
p:empty { display: none; }
.thanks { font-weight: 600; }
.error { color: #cf222e; }
@media (prefers-reduced-motion: reduce) {
  *, *::before, *::after { animation: none !important; transition: none !important; }
}
"#;

/// Styles `shadow` with a constructed stylesheet; where the browser cannot construct one
/// (Safari before 16.4), with a `<style>` element inside the shadow root.
pub(crate) fn adopt(shadow: &ShadowRoot, document: &Document) -> Result<(), JsValue> {
    let adoptable = js_sys::Reflect::has(shadow, &"adoptedStyleSheets".into()).unwrap_or(false);
    if let (true, Ok(sheet)) = (adoptable, CssStyleSheet::new()) {
        sheet.replace_sync(CSS)?;
        shadow.set_adopted_style_sheets(&js_sys::Array::of1(&sheet));
    } else {
        let style = document.create_element("style")?;
        style.set_text_content(Some(CSS));
        shadow.append_child(&style)?;
    }
    Ok(())
}
