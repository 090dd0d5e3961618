// Settings: your API keys, users (admins), server settings.
import { api, el, table, clear } from './util.js';
import { retentionCard, rulesCard, tagsCard } from './settings_server.js';

export async function settings(main, me) {
  const keysBox = el('div', { id: 'apikeys' });
  const usersBox = el('div', { id: 'users' });
  const newKey = el('p', { id: 'new-key' });
  main.append(el('h1', {}, 'Settings'),
    el('section', { class: 'card' }, el('h3', {}, 'API keys'), keysBox,
      el('form', { id: 'key-form', class: 'filters', on: { submit: async (e) => {
        e.preventDefault();
        const r = await api('/api/v1/apikeys', { method: 'POST', body: { label: e.target.label.value } });
        newKey.textContent = 'New key (shown once): ' + r.key;
        await drawKeys();
      } } }, el('label', {}, 'Label ', el('input', { name: 'label' })), el('button', { type: 'submit' }, 'Create key')),
      newKey),
    el('section', { class: 'card' }, el('h3', {}, 'Password'),
      el('form', { id: 'pw-form', class: 'filters', on: { submit: async (e) => {
        e.preventDefault();
        await api('/api/v1/users/' + encodeURIComponent(me.user) + '/password', { method: 'POST', body: { password: e.target.password.value } });
        location.href = '/login';
      } } }, el('label', {}, 'New password ', el('input', { name: 'password', type: 'password' })), el('button', { type: 'submit' }, 'Change'))));
  if (me.role === 'admin') {
    main.append(el('section', { class: 'card' }, el('h3', {}, 'Users'), usersBox,
      el('form', { id: 'user-form', class: 'filters', on: { submit: async (e) => {
        e.preventDefault();
        await api('/api/v1/users', { method: 'POST', body: { name: e.target.name.value, password: e.target.password.value, role: e.target.role.value } });
        await drawUsers();
      } } },
      el('label', {}, 'Name ', el('input', { name: 'name' })),
      el('label', {}, 'Password ', el('input', { name: 'password', type: 'password' })),
      el('label', {}, 'Role ', el('select', { name: 'role' }, el('option', { value: 'viewer' }, 'viewer'), el('option', { value: 'admin' }, 'admin'))),
      el('button', { type: 'submit' }, 'Add user'))));
  }
  const s = await api('/api/v1/settings');
  main.append(el('section', { class: 'card' }, el('h3', {}, 'Server'),
    el('ul', {}, Object.entries(s).map(([k, v]) => el('li', {}, k + ': ' + String(v))))));

  async function drawKeys() {
    const k = await api('/api/v1/apikeys');
    clear(keysBox).appendChild(table([
      { title: 'Id', cell: (r) => String(r.id) },
      { title: 'User', cell: (r) => r.user },
      { title: 'Label', cell: (r) => r.label },
      { title: 'Last used', cell: (r) => r.last_used ? new Date(r.last_used * 1000).toISOString() : 'never' },
      { title: '', cell: (r) => el('button', { type: 'button', on: { click: async () => {
        await api('/api/v1/apikeys/' + r.id, { method: 'DELETE' }); await drawKeys(); } } }, 'Revoke') },
    ], k.data));
  }
  async function drawUsers() {
    const u = await api('/api/v1/users');
    clear(usersBox).appendChild(table([
      { title: 'Name', cell: (r) => r.name },
      { title: 'Role', cell: (r) => r.role },
      { title: '', cell: (r) => r.name === me.user ? '' : el('button', { type: 'button', on: { click: async () => {
        await api('/api/v1/users/' + encodeURIComponent(r.name), { method: 'DELETE' }); await drawUsers(); } } }, 'Delete') },
    ], u.data));
  }
  await drawKeys();
  if (me.role === 'admin') await drawUsers();
  main.append(await retentionCard(me), await rulesCard(me), await tagsCard(me));
}
