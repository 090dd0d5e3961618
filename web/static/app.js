// The page shell: who am I, the nav, then the page named by the path.
import { api, el, clear, setCsrf } from './util.js';
import { dashboard } from './dash.js';
import { search } from './search.js';
import { attacker, session } from './profile.js';
import { credentials, files, sensors, deploy } from './lists.js';
import { settings } from './settings.js';
import { liveMap } from './map.js';

const pages = [
  [/^\/$/, dashboard],
  [/^\/map$/, liveMap],
  [/^\/search$/, search],
  [/^\/attacker\/([^/]+)$/, attacker],
  [/^\/session\/([^/]+)$/, session],
  [/^\/credentials$/, credentials],
  [/^\/files$/, files],
  [/^\/sensors$/, sensors],
  [/^\/deploy$/, deploy],
  [/^\/settings$/, settings],
];

async function main() {
  const main = document.getElementById('main');
  let me;
  try { me = await api('/api/v1/me'); } catch (e) { return; }
  setCsrf(me.csrf);
  document.getElementById('whoami').textContent = me.user + ' (' + me.role + ')';
  document.body.dataset.role = me.role;
  document.getElementById('logout').addEventListener('click', async () => {
    try { await api('/api/v1/logout', { method: 'POST' }); } finally { location.href = '/login'; }
  });
  for (const a of document.querySelectorAll('#nav a')) {
    if (a.getAttribute('href') === location.pathname) a.classList.add('active');
  }
  const path = location.pathname;
  for (const [re, page] of pages) {
    const m = path.match(re);
    if (!m) continue;
    clear(main);
    try {
      await page(main, me, ...m.slice(1).map(decodeURIComponent));
    } catch (e) {
      main.appendChild(el('p', { class: 'error' }, 'Error: ' + e.message));
    }
    document.body.dataset.ready = '1';
    return;
  }
  clear(main).appendChild(el('p', {}, 'No such page.'));
}

main();
