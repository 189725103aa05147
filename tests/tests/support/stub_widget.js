// A stand-in for the wasm widget's JS glue, for the loader's browser tests (tests/tests/loader.rs):
// it implements the widget's side of the interface the loader calls (widget/src/lib.rs `mount`,
// the bridge) with the DOM the real widget has (a `role=dialog` card, NPS `[role=radio]` buttons
// in a `[role=radiogroup]`, a `.send` button, a `[role=status]` line, a `.close` button), so that
// the loader's triggers, frequency rules, outbox and fallbacks are tested on their own. Its
// `init` downloads and compiles the `.wasm` as the real glue does, so resource lists stay honest.
export default async function init(options) {
  // Like wasm-bindgen's glue: without a path, the .wasm beside this module.
  const url = (options && options.module_or_path) || new URL('widget_bg.wasm', import.meta.url);
  const bytes = await (await fetch(url)).arrayBuffer();
  await WebAssembly.compile(bytes);
}

export function mount(host, configJson, view, bridge) {
  const config = JSON.parse(configJson);
  const s = config.strings;
  const root = host.shadowRoot;
  if (!root || root.childNodes.length) throw new Error('mount wants an empty open shadow root');
  const sheet = new CSSStyleSheet();
  sheet.replaceSync(':host{all:initial!important;position:fixed!important;bottom:16px!important;right:16px!important;z-index:2147483647!important;display:block!important;background:#fff}');
  root.adoptedStyleSheets = [sheet];
  const el = (parent, tag, props) => parent.appendChild(Object.assign(document.createElement(tag), props));
  const card = el(root, 'div', { className: 'card' });
  card.setAttribute('role', 'dialog');
  const survey = config.surveys.find(v => v.id == view);
  let answered = false;
  let score = null;
  if (survey) {
    el(card, 'p', { className: 'prompt', textContent: survey.questions[0].prompt });
    const group = el(card, 'div');
    group.setAttribute('role', 'radiogroup');
    for (let n = 0; n <= 10; n++) {
      const b = el(group, 'button', { textContent: String(n), type: 'button' });
      b.setAttribute('role', 'radio');
      b.setAttribute('aria-checked', 'false');
      b.onclick = () => {
        score = n;
        for (const o of group.children) o.setAttribute('aria-checked', String(o === b));
      };
    }
  } else {
    el(card, 'p', { className: 'menu', textContent: view });
  }
  const status = el(el(card, 'div', { role: 'status' }), 'p');
  status.parentNode.setAttribute('role', 'status');
  const send = el(card, 'button', { className: 'send', textContent: s.send, type: 'button' });
  send.onclick = () => {
    if (score == null) return;
    send.disabled = true;
    status.textContent = s.sending;
    const body = {
      id: crypto.randomUUID(),
      site_key: config.site_key,
      survey_id: view,
      answers: [{ type: 'nps', question_id: survey.questions[0].id, score }],
      page_url: location.href,
    };
    // `state` is 'queued', or the collector's final Response (ok, or refused for good).
    bridge.send('/api/v1/responses', JSON.stringify(body), state => {
      answered = state.ok ?? true;
      status.textContent = state == 'queued' ? s.queued : state.ok ? s.thanks : s.failed;
    });
  };
  const close = el(card, 'button', { className: 'close', textContent: s.close, type: 'button' });
  close.onclick = () => bridge.close(answered);
}
