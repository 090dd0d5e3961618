// Attacker profile (everything about one IP) and session detail (the
// event timeline, and a TTY replay where a recording exists).
import { api, el, table, fmtTime, topList } from './util.js';
import { eventCols, detail } from './search.js';

export async function attacker(main, me, ip) {
  const a = await api('/api/v1/attacker/' + encodeURIComponent(ip));
  const evList = (title, evs, id, show) => el('section', { class: 'card', id: 'list-' + id }, el('h3', {}, title),
    el('ul', {}, (evs || []).map((e) => el('li', {}, fmtTime(e.ts) + ' ', show(e)))));
  main.append(
    el('h1', {}, 'Attacker ', el('span', { id: 'attacker-ip' }, a.src_ip)),
    el('section', { class: 'card' },
      el('p', {}, 'Events: ', el('b', { id: 'attacker-count' }, String(a.events)),
        ' · sessions: ', el('b', { id: 'attacker-sessions' }, String(a.sessions === undefined ? '' : a.sessions))),
      el('p', {}, 'First seen: ' + fmtTime(a.first_seen) + ' · last seen: ' + fmtTime(a.last_seen)),
      el('p', { id: 'attacker-geo' }, 'Country: ' + (a.src_country || '?') + (a.src_city ? ' (' + a.src_city + ')' : '') +
        ' · ASN: ' + (a.src_asn === undefined ? '?' : String(a.src_asn)) + (a.src_org ? ' ' + a.src_org : ''))),
    el('div', { class: 'grid' },
      topList('Sensors', a.sensors, 'sensor'),
      topList('Ports', a.ports, 'port'),
      topList('Honeypots', a.honeypots, 'honeypot'),
      topList('Event types', a.types, 'type'),
      listOf('Credentials tried', a.credentials, 'credentials'),
      listOf('Commands', a.commands, 'commands')),
    evList('Downloads', a.downloads, 'downloads', (e) => [e.url, e.sha256].filter(Boolean).join(' · ')),
    evList('Fingerprints', a.fingerprints, 'fingerprints', (e) =>
      [e.client_version, e.os, e.app, e.hassh, e.ja3].filter(Boolean).join(' · ')),
    evList('Alerts', a.alerts, 'alerts', (e) => e.signature || ''),
    el('section', { class: 'card' }, el('h3', {}, 'Recent events'), table(eventCols, a.recent || [])));
}

function listOf(title, items, id) {
  return el('section', { class: 'card top', id: 'list-' + id }, el('h3', {}, title),
    el('ol', {}, (items || []).map((it) => el('li', {}, String(it.value), el('span', { class: 'count' }, ' (' + it.count + ')')))));
}

export async function session(main, me, id) {
  const sensor = new URLSearchParams(location.search).get('sensor');
  const s = await api('/api/v1/session/' + encodeURIComponent(id) + (sensor ? '?sensor=' + encodeURIComponent(sensor) : ''));
  const tl = s.timeline || [];
  main.append(
    el('h1', {}, 'Session ', el('span', { id: 'session-id' }, s.session)),
    el('p', {}, 'From ', s.src_ip ? el('a', { id: 'session-src', href: '/attacker/' + encodeURIComponent(s.src_ip) }, s.src_ip) : '?',
      ' to ' + (s.sensor || '') + ' (' + (s.honeypot || '') + (s.dst_port ? ' port ' + s.dst_port : '') + ')',
      ' · ' + fmtTime(s.first_seen) + ' – ' + fmtTime(s.last_seen),
      ' · logins ' + (s.logins || 0) + ', commands ' + (s.commands || 0) + ', downloads ' + (s.downloads || 0)),
    el('section', { class: 'card' }, el('h3', {}, 'Timeline'),
      table([
        { title: 'Time', cell: (e) => fmtTime(e.ts) },
        { title: 'Type', cell: (e) => e.type || '' },
        { title: 'What', cell: (e) => detail(e) },
      ], tl)));
  const rec = tl.find((e) => e.type === 'ttylog' && /^[0-9a-f]{64}$/.test(e.sha256 || ''));
  if (rec) main.append(await recording(rec));
  const tty = tl.filter((e) => e.type === 'command');
  if (!rec && tty.length) {
    // Replay the commands into a <pre> at their original pace (gaps
    // capped at 2 s).
    const pre = el('pre', { id: 'tty' });
    const btn = el('button', { type: 'button', id: 'tty-play' }, 'Replay commands');
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

// Load the embedded asciinema-player once (a classic script that defines
// window.AsciinemaPlayer; same-origin, so the CSP allows it).
let playerLoad = null;
function loadPlayer() {
  if (!playerLoad) {
    playerLoad = new Promise((resolve, reject) => {
      document.head.appendChild(el('link', { rel: 'stylesheet', href: '/static/asciinema-player.css' }));
      const s = document.createElement('script');
      s.src = '/static/asciinema-player.min.js';
      s.onload = () => (window.AsciinemaPlayer ? resolve(window.AsciinemaPlayer) : reject(new Error('no player')));
      s.onerror = () => reject(new Error('the TTY player is not in this build (run scripts/webdeps.sh)'));
      document.head.appendChild(s);
    });
  }
  return playerLoad;
}

// The session's terminal recording (a ttylog event), played with
// asciinema-player from /api/v1/ttylog/<sha256>.  The recording is the
// attacker's terminal: the player draws it in its own terminal emulator,
// never as HTML.
async function recording(rec) {
  const box = el('div', { id: 'tty-player' });
  const info = el('p', { class: 'muted' },
    (rec.duration !== undefined ? rec.duration.toFixed(1) + ' s' : '') +
    (rec.width ? ' · ' + rec.width + '×' + (rec.height || '?') : '') +
    (rec.truncated ? ' · truncated' : ''));
  const sec = el('section', { class: 'card' }, el('h3', {}, 'TTY recording'), info, box);
  try {
    const P = await loadPlayer();
    const p = P.create('/api/v1/ttylog/' + rec.sha256, box, { fit: 'width', idleTimeLimit: 2, preload: true });
    window.apiaryPlayer = p;
    box.dataset.player = 'ready';
  } catch (e) {
    box.appendChild(el('p', { class: 'error' }, 'Cannot play the recording: ' + e.message));
  }
  return sec;
}
