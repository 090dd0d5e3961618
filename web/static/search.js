// Attack search: filters in the URL, paged, sortable by time, source IP,
// port, sensor, honeypot or country.
import { api, el, qs, table, fmtTime, clear } from './util.js';

const fields = [
  ['since', 'Since (ISO or epoch)'], ['until', 'Until'], ['hours', 'Last N hours'],
  ['sensor', 'Sensor'], ['honeypot', 'Honeypot'], ['src_ip', 'Source IP'],
  ['port', 'Port'], ['country', 'Country'], ['asn', 'ASN'], ['protocol', 'Protocol'],
  ['type', 'Type'], ['username', 'Username'], ['password', 'Password'],
  ['command', 'Command'], ['url', 'URL'], ['sha256', 'SHA-256'], ['signature', 'IDS signature'],
  ['session', 'Session id'],
];

// Sort keys of /api/v1/events (sort=...).  Time is index-ordered; the
// others sort the matching events, so the window must hold at most
// meta.max_sort_rows of them.
const sorts = [['ts', 'time'], ['src_ip', 'source IP'], ['port', 'port'], ['sensor', 'sensor'],
  ['honeypot', 'honeypot'], ['country', 'country']];

export const eventCols = [
  { title: 'Time', cell: (e) => fmtTime(e.ts) },
  { title: 'Type', cell: (e) => e.type || '' },
  { title: 'Sensor', cell: (e) => e.sensor || '' },
  { title: 'Honeypot', cell: (e) => e.honeypot || '' },
  { title: 'Source', cell: (e) => e.src_ip ? el('a', { href: '/attacker/' + encodeURIComponent(e.src_ip) }, e.src_ip) : '' },
  { title: 'Country', cell: (e) => e.src_country || '' },
  { title: 'Port', cell: (e) => e.dst_port === undefined ? '' : String(e.dst_port) },
  { title: 'Protocol', cell: (e) => e.protocol || '' },
  { title: 'Details', cell: (e) => detail(e) },
  { title: 'Session', cell: (e) => e.session ? el('a', { href: '/session/' + encodeURIComponent(e.session) + '?sensor=' + encodeURIComponent(e.sensor || '') }, 'open') : '' },
];

export function detail(e) {
  const parts = [];
  if (e.username !== undefined) parts.push('user ' + e.username + ' / ' + (e.password || ''));
  if (e.command !== undefined) parts.push('$ ' + e.command);
  if (e.url !== undefined) parts.push(e.url);
  if (e.path !== undefined) parts.push((e.method || '') + ' ' + e.path);
  if (e.signature !== undefined) parts.push(e.signature);
  if (e.kind !== undefined) parts.push(e.kind + ' ' + (e.target_host || '') + ':' + (e.target_port || ''));
  if (e.client_version !== undefined) parts.push(e.client_version);
  if (e.sha256 !== undefined) parts.push('sha256 ' + e.sha256);
  return parts.join(' · ');
}

export async function search(main) {
  const params = new URLSearchParams(location.search);
  const form = el('form', { class: 'filters', id: 'search-form' },
    fields.map(([k, label]) => el('label', {}, label, el('input', { name: k, value: params.get(k) || '' }))),
    el('label', {}, 'Sort by', el('select', { name: 'sort', id: 'sort' },
      sorts.map(([v, t]) => el('option', { value: v, selected: (params.get('sort') || 'ts') === v ? 'selected' : null }, t)))),
    el('label', {}, 'Order', el('select', { name: 'order', id: 'order' },
      el('option', { value: 'desc', selected: params.get('order') !== 'asc' ? 'selected' : null }, 'descending (newest first)'),
      el('option', { value: 'asc', selected: params.get('order') === 'asc' ? 'selected' : null }, 'ascending (oldest first)'))),
    el('p', { class: 'muted' }, 'Sorting by anything but time works on at most 100,000 matching events: ' +
      'narrow the time range or add filters for bigger windows.'),
    el('button', { type: 'submit' }, 'Search'));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const p = {};
    for (const [k, v] of new FormData(form).entries()) if (v) p[k] = v;
    location.href = '/search' + qs(p);
  });
  const results = el('div', { id: 'results' });
  main.append(el('h1', {}, 'Attacks'), form, results);
  const limit = 50;
  const offset = Number(params.get('offset')) || 0;
  const q = Object.fromEntries(params.entries());
  q.limit = limit; q.offset = offset;
  let r;
  try {
    r = await api('/api/v1/events' + qs(q));
  } catch (e) {
    clear(results).append(el('p', { class: 'error', id: 'search-error' }, e.message));
    return;
  }
  clear(results).append(
    el('p', { id: 'total' }, r.meta.total + ' events; showing ' + (offset + 1) + '–' + (offset + r.data.length)),
    table(eventCols, r.data),
    el('p', { class: 'pager' },
      offset > 0 ? el('a', { href: '/search' + qs({ ...Object.fromEntries(params.entries()), offset: Math.max(0, offset - limit) }) }, '← newer') : '',
      ' ',
      offset + limit < r.meta.total ? el('a', { href: '/search' + qs({ ...Object.fromEntries(params.entries()), offset: offset + limit }) }, 'older →') : ''));
}
