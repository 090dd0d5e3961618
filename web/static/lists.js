// Credentials, captured files, sensors and deploy pages.
import { api, el, qs, table, fmtTime, clear } from './util.js';

function windowForm(hours) {
  const f = el('form', { class: 'filters' },
    el('label', {}, 'Last N hours ', el('input', { name: 'hours', value: String(hours) })),
    el('button', { type: 'submit' }, 'Show'));
  return f;
}

export async function credentials(main) {
  const hours = Number(new URLSearchParams(location.search).get('hours')) || 168;
  const c = await api('/api/v1/credentials' + qs({ hours, limit: 25 }));
  const col = (title, items, id) => el('section', { class: 'card top', id },
    el('h3', {}, title),
    table([{ title: 'Value', cell: (r) => String(r.value) }, { title: 'Count', cell: (r) => String(r.count) }], items));
  main.append(el('h1', {}, 'Credentials'), windowForm(hours),
    el('div', { class: 'grid' },
      col('Usernames', c.usernames, 'usernames'),
      col('Passwords', c.passwords, 'passwords'),
      col('Pairs', c.credentials, 'pairs')));
}

// Download cell: the encrypted ZIP for everyone; for admins a raw
// download that first shows a warning and needs a second click.
function downloadCell(r, me) {
  const base = '/api/v1/files/' + encodeURIComponent(r.sha256) + '/download';
  const cell = el('span', { class: 'downloads' },
    el('a', { href: base + '?format=zip', download: r.sha256 + '.zip', class: 'dl-zip' }, 'ZIP'));
  if (me && me.role === 'admin') {
    const raw = el('button', { type: 'button', class: 'dl-raw-ask' }, 'raw…');
    raw.addEventListener('click', () => {
      raw.replaceWith(el('span', { class: 'warning' },
        'Live malware, unencrypted: your browser or antivirus may act on it. ',
        el('a', { href: base + '?format=raw', download: r.sha256 + '.bin', class: 'dl-raw' }, 'Download raw bytes anyway')));
    });
    cell.append(' ', raw);
  }
  return cell;
}

export async function files(main, me) {
  const f = await api('/api/v1/files' + qs({ limit: 100 }));
  main.append(el('h1', {}, 'Captured files'),
    el('p', { class: 'warning' }, 'These files are live malware. Download them as a ZIP encrypted with AES-256, ' +
      'password "infected", and open them only on an isolated analysis host (7-Zip opens these archives).'),
    table([
      { title: 'Download', cell: (r) => downloadCell(r, me) },
      { title: 'SHA-256', cell: (r) => el('a', { href: '/search' + qs({ sha256: r.sha256 }) }, r.sha256) },
      { title: 'Size', cell: (r) => r.size === null ? '' : String(r.size) },
      { title: 'Type', cell: (r) => r.filetype || '' },
      { title: 'Name', cell: (r) => r.filename || '' },
      { title: 'First seen', cell: (r) => fmtTime(r.first_seen) },
      { title: 'Last seen', cell: (r) => fmtTime(r.last_seen) },
      { title: 'Seen', cell: (r) => String(r.seen) },
      { title: 'Source', cell: (r) => r.src_ip ? el('a', { href: '/attacker/' + encodeURIComponent(r.src_ip) }, r.src_ip) : '' },
      { title: 'URL', cell: (r) => r.url || '' },
    ], f.data));
}

export async function sensors(main) {
  const s = await api('/api/v1/sensors');
  main.append(el('h1', {}, 'Sensors'),
    table([
      { title: 'Sensor', cell: (r) => el('a', { href: '/search' + qs({ sensor: r.sensor }) }, r.sensor) },
      { title: 'Status', cell: (r) => r.status || '' },
      { title: 'Honeypots', cell: (r) => (r.honeypots || []).join(', ') },
      { title: 'Events (24 h)', cell: (r) => String(r.events_24h) },
      { title: 'Per hour', cell: (r) => (r.events_per_hour || 0).toFixed(1) },
      { title: 'Total', cell: (r) => String(r.events_total) },
      { title: 'Version', cell: (r) => (r.heartbeat && r.heartbeat.version) || '' },
      { title: 'Heartbeat', cell: (r) => (r.heartbeat ? fmtTime(r.heartbeat.last_seen) : 'none (foreign honeypot)') },
      { title: 'Last seen', cell: (r) => fmtTime(r.last_seen) },
    ], s.data));
}

export async function deploy(main) {
  const d = await api('/api/v1/deploy');
  const keysBox = el('div', { id: 'deploy-keys' });
  const fresh = el('pre', { id: 'deploy-new' });
  const draw = async () => {
    const k = (await api('/api/v1/deploy')).keys || [];
    clear(keysBox).appendChild(table([
      { title: 'Id', cell: (r) => r.id },
      { title: 'Note', cell: (r) => r.note || '' },
      { title: 'Uses', cell: (r) => String(r.uses) + (r.max_uses ? ' / ' + r.max_uses : '') },
      { title: 'Expires', cell: (r) => r.expires ? fmtTime(r.expires) : 'never' },
      { title: 'Valid', cell: (r) => (r.valid ? 'yes' : 'no') },
      { title: '', cell: (r) => r.revoked ? 'revoked' : el('button', { type: 'button', on: { click: async () => {
        await api('/api/v1/deploykeys/' + encodeURIComponent(r.id), { method: 'DELETE' }); await draw(); } } }, 'Revoke') },
    ], k));
  };
  const form = el('form', { id: 'deploykey-form', class: 'filters' },
    el('label', {}, 'Note ', el('input', { name: 'note' })),
    el('label', {}, 'Max uses (0 = any) ', el('input', { name: 'max_uses', value: '1' })),
    el('label', {}, 'Lifetime hours (0 = forever) ', el('input', { name: 'hours', value: '24' })),
    el('button', { type: 'submit' }, 'New deploy key'));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const r = await api('/api/v1/deploykeys', { method: 'POST', body: {
      note: form.note.value, max_uses: Number(form.max_uses.value) || 0,
      lifetime: (Number(form.hours.value) || 0) * 3600 } });
    fresh.textContent = r.command;
    await draw();
  });
  main.append(el('h1', {}, 'Deploy a sensor'),
    el('p', {}, 'On the new sensor host, run (as root):'),
    el('pre', { id: 'deploy-command' }, d.command),
    d.public_url_set ? '' : el('p', { class: 'muted' }, 'Set public_url in the [web] section so this shows the right address.'),
    el('section', { class: 'card' }, el('h3', {}, 'Deploy keys'),
      el('p', { class: 'muted' }, 'A key is shown once, in the command below, when it is created.'),
      form, fresh, keysBox));
  await draw();
}
