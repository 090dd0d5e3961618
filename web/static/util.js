// Shared helpers.  Every string from the server is put into the page with
// textContent / createTextNode (el() below); nothing uses innerHTML, so an
// attacker's username or command is always shown as text.
let csrf = '';
export function setCsrf(t) { csrf = t || ''; }

export async function api(path, opts = {}) {
  const init = { credentials: 'same-origin', headers: {} };
  if (opts.method) init.method = opts.method;
  if (opts.body !== undefined) {
    init.body = JSON.stringify(opts.body);
    init.headers['Content-Type'] = 'application/json';
  }
  if (init.method && init.method !== 'GET') init.headers['X-CSRF-Token'] = csrf;
  const r = await fetch(path, init);
  if (r.status === 401) { location.href = '/login'; throw new Error('login'); }
  let j = null;
  try { j = await r.json(); } catch (e) { j = null; }
  if (!r.ok) throw new Error((j && j.error) || ('HTTP ' + r.status));
  return j;
}

// el('a', {href: '/x', class: 'y'}, 'text', child...): text is a text node.
export function el(tag, attrs, ...kids) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') e.className = v;
    else if (k === 'on') for (const [ev, f] of Object.entries(v)) e.addEventListener(ev, f);
    else if (k === 'href') e.setAttribute('href', safeHref(v));
    else e.setAttribute(k, String(v));
  }
  for (const k of kids.flat()) {
    if (k === undefined || k === null) continue;
    e.appendChild(k instanceof Node ? k : document.createTextNode(String(k)));
  }
  return e;
}

// Only same-site paths become links (no javascript: or data: URLs).
function safeHref(v) {
  const s = String(v);
  return s.startsWith('/') && !s.startsWith('//') ? s : '#';
}

export function qs(params) {
  const u = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') u.set(k, v);
  const s = u.toString();
  return s ? '?' + s : '';
}

export function clear(node) { while (node.firstChild) node.removeChild(node.firstChild); return node; }

export function fmtTime(t) { return t ? String(t).replace('T', ' ').replace(/\.\d+Z$/, 'Z') : ''; }

export function table(cols, rows) {
  return el('table', {},
    el('thead', {}, el('tr', {}, cols.map((c) => el('th', {}, c.title)))),
    el('tbody', {}, rows.map((r) => el('tr', {}, cols.map((c) => el('td', {}, c.cell(r)))))));
}

// A top-N list whose items link to a filtered search.
export function topList(title, items, param, hours) {
  return el('section', { class: 'card top', 'data-top': param },
    el('h3', {}, title),
    items && items.length
      ? el('ol', {}, items.map((it) => el('li', {},
          el('a', { href: linkFor(param, it.value, hours) }, String(it.value)),
          el('span', { class: 'count' }, ' (' + it.count + ')'))))
      : el('p', { class: 'muted' }, 'nothing yet'));
}

export function linkFor(param, value, hours) {
  if (param === 'src_ip') return '/attacker/' + encodeURIComponent(value);
  if (param === 'signature') return '/search' + qs({ type: 'alert', signature: value, hours });
  const p = {}; p[param] = value; if (hours) p.hours = hours;
  return '/search' + qs(p);
}

// A bar chart of a time series on a <canvas> (no library).
export function seriesChart(series, w = 900, h = 160) {
  const c = el('canvas', { width: w, height: h, class: 'chart' });
  const g = c.getContext('2d');
  if (!g || !series || !series.length) return c;
  const max = Math.max(1, ...series.map((b) => b.count));
  const bw = w / series.length;
  g.fillStyle = '#d9822b';
  series.forEach((b, i) => {
    const bh = (b.count / max) * (h - 20);
    g.fillRect(i * bw + 1, h - bh, Math.max(1, bw - 2), bh);
  });
  g.fillStyle = '#666'; g.font = '11px sans-serif';
  g.fillText('max ' + max, 4, 12);
  return c;
}
