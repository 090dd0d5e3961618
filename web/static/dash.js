// Dashboard: attacks in the window, a time series, and the top lists;
// every item links to a filtered search.  New events arriving on the
// live stream bump the figures without a reload.
import { api, el, qs, topList, seriesChart, clear } from './util.js';

const tops = [
  ['Top attackers', 'src_ip', 'src_ip'],
  ['Top ports', 'dst_port', 'port'],
  ['Top honeypots', 'honeypot', 'honeypot'],
  ['Top sensors', 'sensor', 'sensor'],
  ['Top countries', 'src_country', 'country'],
  ['Top signatures', 'signature', 'signature'],
];

export async function dashboard(main) {
  const hours = Number(new URLSearchParams(location.search).get('hours')) || 24;
  const s = await api('/api/v1/summary' + qs({ hours }));
  const count = el('span', { id: 'attack-count' }, String(s.count));
  const chartBox = el('div', { id: 'series' }, seriesChart(s.series));
  const grid = el('div', { class: 'grid', id: 'tops' });
  const drawTops = (t) => {
    clear(grid);
    for (const [title, key, param] of tops) {
      grid.appendChild(topList(title, t[key], param === 'signature' ? 'signature' : param, hours));
    }
  };
  drawTops(s.top);
  main.append(
    el('h1', {}, 'Dashboard'),
    el('section', { class: 'card big' },
      el('a', { href: '/search' + qs({ hours }) }, 'Attacks in the last ' + hours + ' h: '), count,
      el('span', { id: 'live-state', class: 'muted' }, '')),
    chartBox, grid,
    el('section', { class: 'card' }, el('h3', {}, 'Latest events'), el('ul', { id: 'latest' })));

  // Live: count every new event, refresh the lists at most every 5 s.
  let n = s.count, dirty = false;
  const es = new EventSource('/api/v1/stream');
  es.addEventListener('hello', () => { document.getElementById('live-state').textContent = ' live'; });
  es.addEventListener('event', (m) => {
    let ev; try { ev = JSON.parse(m.data); } catch (e) { return; }
    n += 1; count.textContent = String(n); dirty = true;
    const ul = document.getElementById('latest');
    ul.insertBefore(el('li', {}, (ev.ts || '') + ' ', ev.type || '', ' from ',
      el('a', { href: '/attacker/' + encodeURIComponent(ev.src_ip || '') }, ev.src_ip || '?'),
      ' ', ev.honeypot || '', ev.username ? ' user ' : '', ev.username || ''), ul.firstChild);
    while (ul.childNodes.length > 20) ul.removeChild(ul.lastChild);
  });
  setInterval(async () => {
    if (!dirty) return;
    dirty = false;
    try {
      const t = await api('/api/v1/summary' + qs({ hours }));
      drawTops(t.top);
      clear(chartBox).appendChild(seriesChart(t.series));
    } catch (e) { /* keep the old figures */ }
  }, 5000);
}
