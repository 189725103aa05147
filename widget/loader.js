// Hark loader: loads the widget only when a survey is due. No cookies, no styles on the page.
//
// The only hand-written JavaScript of the product. `cargo xtask dist` minifies it (esbuild) into
// what the collector serves at /widget.js, within 2 KB gzip (tests/tests/size.rs): every byte
// here is paid on every page of every site, hence the terse style. It keeps, in localStorage
// under `hark:SITE:` (never cookies; where storage is blocked, in memory, as for a new visitor):
//   outbox    [{id, path, body}]: what the collector has not acknowledged yet
//   user      [id, attributes], from hark('identify', id, attributes)
//   s:SURVEY  {in: sampled in (true) or out; when (ms) it was s: shown, a: answered, d: dismissed}
((w, d, hark) => {
  const script = d.currentScript;
  const data = script.dataset;
  const base = script.src.replace(/\/[^/]*$/, '');
  const assets = base + '__HARK_ASSETS__';
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
  } catch (e) {}
  const get = k => JSON.parse(store['hark:' + data.site + k] || 0);
  const put = (k, v) => (store['hark:' + data.site + k] = JSON.stringify(v));
  // What this visitor did with a survey, and when: s(hown), a(nswered), d(ismissed).
  const state = id => get(':s:' + id) || {};
  const mark = (id, what, st = state(id)) => put(':s:' + id, ((st[what] = now()), st));

  // The outbox: an answer is stored before it is sent, and leaves it only when the collector
  // acknowledged it (2xx) or refused it for good (4xx but 408 and 429).
  const box = () => get(':outbox') || [];
  const told = {}; // the widget's onState for what it sent from this page, by item id
  const busy = {}; // the items being sent now, by id: never two sends of one item at once
  let tries = 0; // failures in a row
  let timer;
  // Sends everything that waits (and is not on its way already). On every page load (without the
  // widget), when the widget sends, when the browser is back online, and after a backoff.
  const flush = () =>
    box().forEach(({ id, path, body }) => {
      const wait = after => {
        busy[id] = 0;
        // Exponential backoff with full jitter (1 s, doubling, at most 60 s), after Retry-After.
        clearTimeout(timer);
        timer = setTimeout(flush, Math.random() * Math.min(6e4, 2 ** tries++ * 1e3) + (after * 1e3 || 0));
        told[id]?.('queued');
      };
      busy[id] ||
        fetch(base + path, { method: 'POST', body, credentials: 'omit', keepalive: (busy[id] = true) }).then(
          res =>
            /^2|^4(?!08|29)/.test(res.status)
              ? (put(':outbox', box().filter(i => i.id != id)), (tries = 0), told[id]?.(res.ok ? 'sent' : 'rejected'))
              : wait(res.headers.get('retry-after')),
          wait
        );
    });
  flush();
  on('online', flush);
  // Leaving: the browser sends what still waits (as text/plain), which stays in the outbox all
  // the same: the collector stores a replayed id once.
  on('pagehide', () => box().forEach(i => busy[i.id] || navigator.sendBeacon(base + i.path, i.body)));

  let config, text, host, current, focused, shownAt;
  const seen = {}; // surveys triggered on this page: each at most once

  // What the widget calls back (widget/src/lib.rs, `mount`).
  const bridge = {
    base,
    send(path, body, onState) {
      const b = JSON.parse(body);
      [b.user_id, b.attributes] = get(':user') || [];
      b.dwell_ms = now() - shownAt;
      put(':outbox', box().concat({ id: b.id, path, body: JSON.stringify(b) }));
      told[b.id] = s => {
        // Saved, sent or on the device, counts as answered.
        s != 'rejected' && b.survey_id && mark(b.survey_id, 'a');
        onState(s);
      };
      flush();
    },
    close(answered) {
      host?.remove();
      host = 0;
      current && !answered && mark(current, 'd');
      focused?.focus();
    },
  };

  // A host element on the page with an open shadow root: the page's CSS does not reach inside.
  const shadow = tag => d.body.appendChild(d.createElement(tag)).attachShadow({ mode: 'open' });
  // Styles a shadow root with a constructed stylesheet whose `:host` rules win over the page's
  // (nothing is added to the page's own styles), and adds an element to it.
  const styled = (root, inner, css) => {
    const sheet = new CSSStyleSheet();
    sheet.replaceSync(
      `:host{all:initial!important;position:fixed!important;z-index:2147483647!important;bottom:0!important;${config.theme.position.slice(7)}:16px!important}` + css
    );
    root.adoptedStyleSheets = [sheet];
    return root.appendChild(d.createElement(inner));
  };

  // Shows a view (a survey id, "menu", "complaint" or "suggestion") in <hark-widget>.
  const open = async view => {
    if (host) return; // one at a time
    focused = d.activeElement;
    shownAt = now();
    (current = config.surveys.some(v => v.id == view) && view) && mark(view, 's');
    const root = shadow('hark-widget');
    host = root.host;
    if (hosted) host.dataset.hosted = '';
    try {
      // A page whose CSP forbids WebAssembly gets the hosted page in a frame instead; its close
      // button (the text of strings.close) is a dismissal: the frame does not say more.
      new WebAssembly.Module(Uint32Array.of(1836278016, 1)); // the empty module: \0asm 1 0 0 0
    } catch (e) {
      styled(root, 'iframe', 'iframe{border:0;width:380px;height:560px}').src =
        base + '/s/' + view + '?site=' + data.site + '&lang=' + config.lang;
      const x = root.appendChild(d.createElement('button'));
      x.textContent = config.strings.close;
      x.onclick = () => bridge.close();
      return;
    }
    try {
      // (A second import or init returns at once what the first one loaded.)
      const m = await import(assets + '/widget.js');
      await m.default({ module_or_path: assets + '/widget_bg.wasm' });
      m.mount(host, text, view, bridge);
    } catch (e) {
      bridge.close(1);
      warn(e);
    }
  };

  // `PageRule::matches` (shared/src/survey.rs): exact, prefix, or wildcard where `*` is any run.
  const match = ({ match: m, value }) =>
    RegExp('^' + value.replace(/\W/g, '\\$&').replace(/\\\*/g, m == 'wildcard' ? '[^]*' : '\\*') + (m == 'prefix' ? '' : '$')).test(path());

  // Whether a survey may be shown now, on this page, to this visitor.
  const due = ({ id, trigger: t, frequency: f }) => {
    const st = state(id);
    const at = now();
    const cool = config.cooldown_days * day;
    // Sampled once per visitor and survey, so that reloads agree.
    st.in ?? put(':s:' + id, ((st.in = !(Math.random() * 100 >= t.sample_percent)), st));
    return (
      !host &&
      st.in &&
      (!t.pages?.length || t.pages.some(match)) &&
      !(at < t.starts_at * 1e3 || at > t.ends_at * 1e3) &&
      // The site's cooldown: after any survey was shown, no other for a while.
      !config.surveys.some(v => v.id != id && at - state(v.id).s < cool) &&
      (f.type == 'until_answered'
        ? // again on later pages until answered; a dismissal waits out the cooldown
          !st.a && !(at - st.d < cool)
        : // every_days: again `days` after it was last shown; once: never again
          !(at - st.s < (f.days || 1 / 0) * day))
    );
  };

  // Something happened on the page: each survey it triggers is shown after its delay, if still due.
  const fire = (type, percent, name) =>
    config.surveys.forEach(v => {
      const t = v.trigger;
      if (t.type == type && t.name == name && !(percent < t.percent) && !seen[v.id] && due(v))
        seen[v.id] = setTimeout(() => due(v) && open(v.id), t.delay_seconds * 1e3 || 0);
    });

  (async () => {
    const res = await fetch(base + '/api/v1/sites/' + data.site + '/config?lang=' + (data.lang || navigator.language), {
      credentials: 'omit',
    });
    if (!res.ok) throw res.status;
    config = JSON.parse((text = await res.text()));
    d.body || (await new Promise(ok => on('DOMContentLoaded', ok)));

    // The real hark(): first the calls that waited in the queue, then every later one.
    const queued = hark.q || [];
    hark = w.hark = (what, a, b) =>
      what == 'track' ? fire('event', 0, a) : what == 'identify' ? put(':user', [a, b]) : what == 'open' && open(a);
    for (const c of queued) hark(...c);

    // The hosted page: this one view, full page, whatever triggers and frequency say.
    if (hosted) return open(data.survey);

    const launcher = config.launcher;
    if (launcher) {
      const tab = styled(shadow('hark-launcher'), 'button', `button{color:#fff;background:${config.theme.brand};border:0;padding:8px 16px}`);
      tab.textContent = launcher.label || config.strings.launcher;
      tab.onclick = () => open('menu');
    }

    // This page view, and a single-page app's every new route.
    let was;
    const route = () => was != path() && ((was = path()), fire('page_view'));
    route();
    for (const m of ['pushState', 'replaceState']) {
      const f = history[m];
      history[m] = function () {
        f.apply(this, arguments);
        route();
      };
    }
    on('popstate', route);
    on('scroll', () => fire('scroll', ((scrollY + innerHeight) * 100) / d.documentElement.scrollHeight));
    // Exit intent: the pointer leaves through the top of the window.
    on('mouseout', e => e.clientY < 1 && !e.relatedTarget && fire('exit_intent'));
  })().catch(warn);
})(window, document, window.hark);
