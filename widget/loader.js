// Hark loader: loads the widget only when a survey is due. No cookies, no styles on the page.
//
// The only hand-written JavaScript of the product. `cargo xtask dist` minifies it (terser) into
// what the collector serves at /widget.js, within 2 KB gzip (tests/tests/size.rs): every byte
// here is paid on every page of every site, hence the terse style. It keeps, in localStorage
// under `hark:SITE:` (never cookies; where storage is blocked, in memory, as for a new visitor):
//   outbox    [{path, body}]: what the collector has not acknowledged yet
//   user      [id, attributes], from hark('identify', id, attributes)
//   s:SURVEY  {r: the sampling draw, 0 to 100; when (ms) it was s: shown, a: answered, d: dismissed}
((w, d, hark) => {
  const script = d.currentScript;
  const data = script.dataset;
  const base = script.src.replace(/\/[^/]*$/, '');
  const hosted = 'hosted' in data;
  const now = Date.now;
  const day = 864e5;
  const on = addEventListener; // the window's: document events bubble up to it
  const path = () => location.pathname;
  const warn = e => console.warn('hark:', e);
  // Calls made before the loader is ready wait in hark.q (the page's own stub pushes there too).
  hark = w.hark = hark || function () { (hark.q = hark.q || []).push(arguments); };

  let store = {};
  try {
    store = localStorage; // throws where storage is blocked
  } catch {}
  const get = k => JSON.parse(store['hark:' + data.site + k] || 0);
  const put = (k, v) => {
    try {
      store['hark:' + data.site + k] = JSON.stringify(v);
    } catch {} // full: not kept, but no error in the page
  };
  // What this visitor did with a survey, and when: s(hown), a(nswered), d(ismissed).
  const state = id => get(':s:' + id) || {};
  const mark = (id, what, st = state(id)) => put(':s:' + id, ((st[what] = now()), st));

  // The outbox: an answer is stored before it is sent, and leaves it only when the collector
  // acknowledged it (2xx) or refused it for good (4xx but 408 and 429).
  const box = () => get(':outbox') || [];
  // By body (each has its own id):
  const told = {}; // the widget's onState for what it sent from this page
  const busy = {}; // what is being sent now: never two sends of one item at once
  let tries = 0; // failures in a row
  // Sends everything that waits (and is not on its way already). On every page load (without the
  // widget), when the widget sends, when the browser is back online, and after a backoff.
  const flush = () =>
    box().map(({ path, body }) => {
      const wait = after => {
        busy[body] = 0;
        // Exponential backoff with full jitter (1 s, doubling, at most 60 s), after Retry-After.
        setTimeout(flush, Math.random() * Math.min(6e4, 2 ** tries++ * 1e3) + (after * 1e3 || 0));
        told[body]?.('queued');
      };
      busy[body] ||
        fetch(base + path, { method: 'POST', body, credentials: 'omit', keepalive: (busy[body] = true) }).then(
          res =>
            /^2|^4(?!08|29)/.test(res.status)
              ? (put(':outbox', box().filter(i => i.body != body)), (tries = 0), told[body]?.(res))
              : wait(res.headers.get('retry-after')),
          wait
        );
    });
  flush();
  on('online', flush);
  // Leaving: what still waits is sent with `keepalive` (the fetch outlives the page, as a beacon
  // would), and stays in the outbox all the same: the collector stores a replayed id once.
  on('pagehide', flush);

  let config, text, host, current, focused, shownAt;
  const seen = {}; // surveys triggered on this page: each at most once

  // What the widget calls back (widget/src/lib.rs, `mount`).
  const bridge = {
    base,
    send(path, body, onState) {
      const b = JSON.parse(body);
      [b.user_id, b.attributes] = get(':user') || [];
      b.dwell_ms = now() - shownAt;
      body = JSON.stringify(b);
      put(':outbox', box().concat({ path, body }));
      // `s` is 'queued', or the collector's final answer (a Response: ok, or refused for good),
      // whose body the widget reads (a complaint's reference and status page).
      told[body] = s => {
        // Saved, sent or on the device, counts as answered.
        (s.ok ?? 1) && b.survey_id && mark(b.survey_id, 'a');
        onState(s);
      };
      flush();
    },
    close(answered) {
      host?.remove();
      host = 0;
      answered == 1 || mark(current, 'd'); // (true; not a click event)
      focused.focus();
    },
  };

  // A host element on the page with an open shadow root: the page's CSS does not reach inside.
  // (Appended to <html>, which exists even when the loader runs before <body>.)
  const shadow = tag => d.documentElement.appendChild(d.createElement(tag)).attachShadow({ mode: 'open' });
  // One constructed stylesheet for the launcher and the frame of the hosted page, whose `:host`
  // rules win over the page's (nothing is added to the page's own styles); `styled` adopts it in
  // a shadow root and adds an element there.
  const sheet = new CSSStyleSheet();
  const styled = (root, inner) => ((root.adoptedStyleSheets = [sheet]), root.appendChild(d.createElement(inner)));
  const button = (root, text, click, b = styled(root, 'button')) => ((b.textContent = text), (b.onclick = click));

  // Shows a view (a survey id, "menu", "complaint" or "suggestion") in <hark-widget>.
  const open = async view => {
    if (host) return; // one at a time
    // What had the focus, inside a shadow root too (the launcher's button, say), to give it back.
    focused = d.activeElement.shadowRoot?.activeElement || d.activeElement;
    shownAt = now();
    mark((current = view), 's'); // (a menu's note is harmless)
    const root = shadow('hark-widget');
    host = root.host;
    if (hosted) host.dataset.hosted = '';
    try {
      // A page whose CSP forbids WebAssembly gets the hosted page in a frame instead; its close
      // button (the text of strings.close) is a dismissal: the frame does not say more.
      new WebAssembly.Module(Uint32Array.of(1836278016, 1)); // the empty module: \0asm 1 0 0 0
    } catch {
      styled(root, 'iframe').src =
        base + '/s/' + view + '?site=' + data.site + '&lang=' + config.lang;
      return button(root, config.strings.close, bridge.close);
    }
    try {
      // The glue's init loads widget_bg.wasm from beside it (a second import or init returns at
      // once what the first one loaded).
      const m = await import(base + '__HARK_ASSETS__/widget.js');
      await m.default();
      m.mount(host, text, view, bridge);
    } catch (e) {
      bridge.close(1);
      warn(e);
    }
  };

  // `PageRule::matches` (shared/src/survey.rs): exact, prefix, or wildcard where `*` is any run.
  const match = ({ match: m, value }) =>
    RegExp('^' + value.replace(/\W/g, '\\$&').replace(/\\\*/g, m == 'wildcard' ? '.*' : '\\*') + (m == 'prefix' ? '' : '$')).test(path());

  // Whether a survey may be shown now, on this page, to this visitor.
  const due = ({ id, trigger: t, frequency: f }) => {
    const st = state(id);
    const at = now();
    const cool = config.cooldown_days * day;
    // Sampled once per visitor and survey (a draw kept on the device), so that reloads agree.
    st.r ?? put(':s:' + id, ((st.r = Math.random() * 100), st));
    return (
      st.r < t.sample_percent &&
      (!t.pages?.[0] || t.pages.some(match)) &&
      !(at < t.starts_at * 1e3 || at > t.ends_at * 1e3) &&
      // The site's cooldown: after any survey was shown, no other for a while.
      !config.surveys.some(v => v.id != id && at - state(v.id).s < cool) &&
      (f.type > 'u' // until_answered (the others are once and every_days)
        ? // again on later pages until answered; a dismissal waits out the cooldown
          !st.a && !(at - st.d < cool)
        : // every_days: again `days` after it was last shown; once: never again
          !(at - st.s < (f.days || 1 / 0) * day))
    );
  };

  // Something happened on the page: each survey it triggers is shown after its delay, if still due.
  const fire = (type, name) =>
    config.surveys.map(v => {
      const t = v.trigger;
      if (
        t.type == type &&
        t.name == name &&
        // scrolled past `percent` of the page (surveys of other triggers have no percent)
        !(((scrollY + innerHeight) * 100) / d.documentElement.scrollHeight < t.percent) &&
        !seen[v.id] &&
        due(v)
      )
        seen[v.id] = setTimeout(() => due(v) && open(v.id), t.delay_seconds * 1e3); // (none: NaN, at once)
    });

  (async () => {
    const res = await fetch(base + '/api/v1/sites/' + data.site + '/config?lang=' + (data.lang || navigator.language), {
      credentials: 'omit',
    });
    if (!res.ok) throw res;
    config = JSON.parse((text = await res.text()));
    const theme = config.theme;
    sheet.replaceSync(
      `:host{all:initial!important;position:fixed!important;z-index:2147483647!important;bottom:0!important;${theme.position.slice(7)}:16px!important}button{color:#fff;background:${theme.brand};border:0;padding:8px}iframe{border:0;width:380px;height:560px}`
    );

    // The real hark(): first the calls that waited in the queue, then every later one.
    const queued = hark.q || [];
    hark = w.hark = (what, a, b) =>
      what == 'track' ? fire('event', a) : what == 'identify' ? put(':user', [a, b]) : what == 'open' && open(a);
    queued.map(c => hark(...c));

    // The hosted page: this one view, full page, whatever triggers and frequency say.
    if (hosted) return open(data.survey);

    config.launcher && button(shadow('hark-launcher'), config.launcher.label || config.strings.launcher, () => open('menu'));

    // This page view, and a single-page app's every new route.
    let was;
    const route = () => was != (was = path()) && fire('page_view');
    route();
    for (const m of ['pushState', 'replaceState']) {
      const f = history[m];
      history[m] = (...a) => {
        f.apply(history, a);
        route();
      };
    }
    on('popstate', route);
    on('scroll', () => fire('scroll'));
    // Exit intent: the pointer leaves through the top of the window.
    on('mouseout', e => e.clientY < 1 && !e.relatedTarget && fire('exit_intent'));
  })().catch(warn);
})(window, document, window.hark);
