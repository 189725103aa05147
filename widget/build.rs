//! Minifies the widget's stylesheet: it ships to every visitor of a site that shows a survey.
//! Only comments and runs of whitespace go; the CSS itself is written so that this is safe
//! (no strings or `url()`s whose spaces matter).

use std::{env, fs, path::Path};

fn main() {
    println!("cargo::rerun-if-changed=src/style.css");
    let css = fs::read_to_string("src/style.css").expect("src/style.css");
    let mut out = String::with_capacity(css.len());
    let mut rest = css.as_str();
    while let Some(start) = rest.find("/*") {
        out.push_str(&rest[..start]);
        let end = rest[start..].find("*/").expect("an unclosed comment") + start + 2;
        rest = &rest[end..];
    }
    out.push_str(rest);
    let mut min = String::with_capacity(out.len());
    for word in out.split_whitespace() {
        let joins = |c: char| "{};:,>".contains(c);
        if !min.is_empty() && !min.ends_with(joins) && !word.starts_with(joins) {
            min.push(' ');
        }
        min.push_str(word);
    }
    let dest = Path::new(&env::var("OUT_DIR").expect("OUT_DIR")).join("style.min.css");
    fs::write(dest, min).expect("write style.min.css");
}
