// Attacker profile (everything about one IP) and session detail (the
// event timeline, and a TTY replay where a recording exists).
import { api, el, table, fmtTime, topList } from './util.js';
import { eventCols, detail } from './search.js';

export async function attacker(main, me, ip) {
  const a = await api('/api/v1/attacker/' + encodeURIComponent(ip));
  main.append(
    el('h1', {}, 'Attacker ', el('span', { id: 'attacker-ip' }, a.ip)),
    el('section', { class: 'card' },
      el('p', {}, 'Events: ', el('b', { id: 'attacker-count' }, String(a.count))),
      el('p', {}, 'First seen: ' + fmtTime(a.first_seen) + ' · last seen: ' + fmtTime(a.last_seen)),
      el('p', {}, 'Country: ' + (a.countries || []).map((c) => c.value).join(', ') +
        ' · ASN: ' + (a.asns || []).map((c) => c.value).join(', '))),
    el('div', { class: 'grid' },
      topList('Sensors', a.sensors, 'sensor'),
      topList('Ports', a.ports, 'port'),
      topList('Honeypots', a.honeypots, 'honeypot'),
      topList('Protocols', a.protocols, 'protocol'),
      listOf('Credentials tried', a.credentials, 'credentials'),
      listOf('Commands', a.commands, 'commands'),
      listOf('Downloads', a.urls, 'urls'),
      listOf('Files', a.files, 'files'),
      listOf('Signatures', a.signatures, 'signatures')),
    el('section', { class: 'card' }, el('h3', {}, 'Fingerprints'),
      el('ul', { id: 'fingerprints' }, (a.fingerprints || []).map((f) =>
        el('li', {}, [f.os, f.client, f.hassh, f.ja3].filter(Boolean).join(' · '))))),
    el('section', { class: 'card' }, el('h3', {}, 'Recent events'), table(eventCols, a.recent || [])));
}

function listOf(title, items, id) {
  return el('section', { class: 'card top', id: 'list-' + id }, el('h3', {}, title),
    el('ol', {}, (items || []).map((it) => el('li', {}, String(it.value), el('span', { class: 'count' }, ' (' + it.count + ')')))));
}

export async function session(main, me, id) {
  const s = await api('/api/v1/session/' + encodeURIComponent(id));
  const first = s.events[0] || {};
  main.append(
    el('h1', {}, 'Session ', el('span', { id: 'session-id' }, s.session)),
    el('p', {}, 'From ', first.src_ip ? el('a', { href: '/attacker/' + encodeURIComponent(first.src_ip) }, first.src_ip) : '?',
      ' to ' + (first.sensor || '') + ' (' + (first.honeypot || '') + ')'),
    el('section', { class: 'card' }, el('h3', {}, 'Timeline'),
      table([
        { title: 'Time', cell: (e) => fmtTime(e.ts) },
        { title: 'Type', cell: (e) => e.type || '' },
        { title: 'What', cell: (e) => detail(e) },
      ], s.events)),
    s.truncated ? el('p', { class: 'muted' }, 'Only the first 1000 events are shown.') : '');
  const tty = s.events.filter((e) => e.type === 'command');
  if (tty.length) {
    // Replay the commands into a <pre> at their original pace (capped).
    const pre = el('pre', { id: 'tty' });
    const btn = el('button', { type: 'button' }, 'Replay commands');
    btn.addEventListener('click', () => {
      pre.textContent = '';
      let t0 = Date.parse(tty[0].ts), delay = 0;
      for (const e of tty) {
        delay += Math.min(2000, Math.max(0, Date.parse(e.ts) - t0)); t0 = Date.parse(e.ts);
        setTimeout(() => { pre.appendChild(document.createTextNode('$ ' + e.command + '\n')); }, delay);
      }
    });
    main.append(el('section', { class: 'card' }, el('h3', {}, 'TTY'), btn, pre));
  }
}
