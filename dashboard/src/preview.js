// `import()` is syntax, not a function, so Rust cannot call it through js-sys; this module
// exports it as one, so that the survey builder's preview loads the widget's own bundle (an ES
// module) without eval.
export function importModule(url) {
  return import(url);
}
