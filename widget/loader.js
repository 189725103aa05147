/*! Hark loader: loads the widget only when a survey is due. No cookies, no styles on the page. */
(async (w, d) => {
  let host;
  try {
    const s = d.currentScript || d.querySelector('script[data-site]');
    const site = s && s.getAttribute('data-site');
    // Calls made before the widget exists wait in hark.q.
    const hark = w.hark = w.hark || function () { (hark.q = hark.q || []).push(arguments); };
    if (!site) throw Error('no data-site on the script tag');
    const base = s.src.replace(/\/widget\.js[^/]*$/, '');
    const assets = base + '__HARK_ASSETS__';
    // localStorage throws when storage is blocked: then every survey counts as unseen.
    const store = (op, k) => { try { return localStorage[op](k, '1'); } catch (e) {} };
    const seen = v => 'hark:' + site + ':seen:' + v.id;

    const r = await fetch(base + '/api/v1/sites/' + encodeURIComponent(site) + '/config',
      { credentials: 'omit' });
    if (!r.ok) throw Error('config: HTTP ' + r.status);
    const survey = ((await r.json()).surveys || []).find(v =>
      (v.trigger || {}).type == 'page_view' && (v.frequency || {}).type == 'once' &&
      !store('getItem', seen(v)));
    if (!survey) return; // Nothing due: no wasm is downloaded.

    store('setItem', seen(survey));
    if (!d.body) await new Promise(ok => d.addEventListener('DOMContentLoaded', ok));
    host = d.body.appendChild(d.createElement('hark-widget'));
    host.attachShadow({ mode: 'open' });
    const m = await import(assets + '/widget.js');
    await m.default({ module_or_path: assets + '/widget_bg.wasm' });
    m.mount(host, JSON.stringify(survey), base, site);
  } catch (e) {
    if (host) host.remove();
    console.warn('hark: ' + ((e && e.message) || e));
  }
})(window, document);
