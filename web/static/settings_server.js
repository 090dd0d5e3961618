// Server settings kept in server.db and applied live: retention (by age
// and size), alert rules, sensor tags.  Everyone sees them; only admins
// get the forms (the API refuses viewers anyway).
import { api, el, table, clear } from './util.js';

const num = (v) => (v === undefined || v === null ? '' : String(v));

export async function retentionCard(me) {
  const box = el('div', { id: 'retention' });
  const msg = el('p', { id: 'retention-msg', class: 'muted' });
  const card = el('section', { class: 'card' }, el('h3', {}, 'Retention'), box, msg);
  async function draw() {
    const s = await api('/api/v1/settings/retention');
    const row = (k, title) => ({ k, title });
    const rows = [row('days', 'Events: days kept (0 = forever)'), row('max_bytes', 'Store size cap, bytes (0 = none)'),
      row('raw_days', 'Raw payloads: days kept (0 = forever)')];
    clear(box).append(table([
      { title: 'Setting', cell: (r) => r.title },
      { title: 'Config', cell: (r) => num(s.config[r.k]) },
      { title: 'Set here', cell: (r) => (s.override[r.k] === null || s.override[r.k] === undefined ? '–' : String(s.override[r.k])) },
      { title: 'Applied', cell: (r) => el('span', { id: 'retention-eff-' + r.k }, num(s.effective[r.k])) },
    ], rows), el('p', { class: 'muted' }, s.applied_at_us
      ? 'The store applied these at ' + new Date(s.applied_at_us / 1000).toISOString()
      : 'The store has not reported yet.'));
    if (me.role !== 'admin') return s;
    const input = (k) => el('input', { name: k, id: 'retention-' + k, inputmode: 'numeric', value: num(s.override[k]), placeholder: 'config' });
    const form = el('form', { id: 'retention-form', class: 'filters' },
      el('label', {}, 'Days ', input('days')), el('label', {}, 'Max bytes ', input('max_bytes')),
      el('label', {}, 'Raw days ', input('raw_days')), el('button', { type: 'submit' }, 'Save retention'));
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      const body = {};
      for (const k of ['days', 'max_bytes', 'raw_days']) {
        const v = form.elements[k].value.trim();
        body[k] = v === '' ? null : Number(v);
      }
      try {
        await api('/api/v1/settings/retention', { method: 'PUT', body });
        msg.textContent = 'Saved; the store applies it within a few seconds.';
      } catch (err) { msg.textContent = 'Error: ' + err.message; await draw(); return; }
      // Show what the store applies: poll until it reports the new values.
      for (let i = 0; i < 30; i++) {
        const s2 = await draw();
        const done = ['days', 'max_bytes', 'raw_days'].every((k) =>
          s2.effective[k] === (body[k] === null ? s2.config[k] : body[k]));
        if (done) { msg.textContent = 'Saved and applied by the store.'; break; }
        await new Promise((res) => setTimeout(res, 1000));
      }
    });
    box.append(form, el('p', { class: 'muted' }, 'Empty: use the value of the server config.'));
    return s;
  }
  await draw();
  return card;
}

export async function rulesCard(me) {
  const box = el('div', { id: 'rules' });
  const msg = el('p', { id: 'rules-msg', class: 'muted' });
  const card = el('section', { class: 'card' }, el('h3', {}, 'Alert rules'), box, msg);
  const nameIn = el('input', { name: 'name', id: 'rule-name' });
  const settingsIn = el('textarea', { name: 'settings', id: 'rule-settings', rows: 6, cols: 70 });
  let editing = null;
  async function draw() {
    const r = await api('/api/v1/alerts/rules');
    const summary = (s) => ['type', 'severity', 'threshold', 'window', 'cooldown']
      .filter((k) => s[k] !== undefined && s[k] !== '' && s[k] !== null).map((k) => k + '=' + s[k]).join(' ');
    const cols = [
      { title: 'Name', cell: (x) => x.name },
      { title: 'Source', cell: (x) => (x.editable ? 'settings' : 'config (read-only)') },
      { title: 'Rule', cell: (x) => summary(x.settings || {}) },
    ];
    if (me.role === 'admin') {
      cols.push({ title: '', cell: (x) => (x.editable ? el('span', {},
        el('button', { type: 'button', class: 'rule-edit', on: { click: () => {
          editing = x.name; nameIn.value = x.name; nameIn.disabled = true;
          settingsIn.value = JSON.stringify(x.settings, null, 1);
        } } }, 'Edit'), ' ',
        el('button', { type: 'button', class: 'rule-del', on: { click: async () => {
          try { await api('/api/v1/alerts/rules/' + encodeURIComponent(x.name), { method: 'DELETE' }); msg.textContent = 'Deleted ' + x.name + '.'; } catch (err) { msg.textContent = 'Error: ' + err.message; }
          await draw();
        } } }, 'Delete')) : '') });
    }
    clear(box).append(table(cols, r.data || []));
    if (me.role !== 'admin') return;
    const keys = (r.schema || []).map((k) => k.name).join(', ');
    const form = el('form', { id: 'rule-form' },
      el('label', {}, 'Name ', nameIn), el('br'),
      el('label', {}, 'Settings (JSON, keywords of an [alert NAME] section) ', el('br'), settingsIn), el('br'),
      el('button', { type: 'submit' }, 'Save rule'), ' ',
      el('button', { type: 'button', on: { click: () => { editing = null; nameIn.disabled = false; nameIn.value = ''; settingsIn.value = ''; } } }, 'New rule'),
      el('p', { class: 'muted' }, 'Keywords: ' + keys));
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      let settings;
      try { settings = JSON.parse(settingsIn.value || '{}'); } catch (err) { msg.textContent = 'Settings are not JSON: ' + err.message; return; }
      try {
        if (editing) await api('/api/v1/alerts/rules/' + encodeURIComponent(editing), { method: 'PUT', body: { settings } });
        else await api('/api/v1/alerts/rules', { method: 'POST', body: { name: nameIn.value, settings } });
        msg.textContent = 'Saved ' + (editing || nameIn.value) + '; live within a second.';
        editing = null; nameIn.disabled = false; nameIn.value = ''; settingsIn.value = '';
      } catch (err) { msg.textContent = 'Error: ' + err.message; }
      await draw();
    });
    box.append(form);
  }
  await draw();
  return card;
}

export async function tagsCard(me) {
  const box = el('div', { id: 'sensor-tags' });
  const msg = el('p', { id: 'tags-msg', class: 'muted' });
  const card = el('section', { class: 'card' }, el('h3', {}, 'Sensor tags'),
    el('p', { class: 'muted' }, 'Tag a sensor "internal" and the internal alert rule fires on any event it sees.'), box, msg);
  async function draw() {
    const [t, s] = await Promise.all([api('/api/v1/sensortags'), api('/api/v1/sensors')]);
    const idents = new Set(Object.keys(t.data || {}));
    for (const x of (s.data || [])) if (x.ident) idents.add(x.ident);
    const rows = [...idents].sort().map((ident) => ({ ident, tags: (t.data || {})[ident] || [] }));
    const cols = [
      { title: 'Sensor', cell: (r) => r.ident },
      { title: 'Tags', cell: (r) => el('span', { class: 'tags' }, r.tags.join(', ')) },
    ];
    if (me.role === 'admin') {
      cols.push({ title: 'Edit (+tag -tag)', cell: (r) => {
        const inp = el('input', { class: 'tag-edit', 'data-ident': r.ident, placeholder: '+internal' });
        const btn = el('button', { type: 'button', class: 'tag-save' }, 'Apply');
        btn.addEventListener('click', async () => {
          const edits = inp.value.split(/[\s,]+/).filter(Boolean);
          if (!edits.length) return;
          try { await api('/api/v1/sensortags/' + encodeURIComponent(r.ident), { method: 'PUT', body: { edits } }); msg.textContent = 'Tags of ' + r.ident + ' saved.'; } catch (err) { msg.textContent = 'Error: ' + err.message; }
          await draw();
        });
        return el('span', {}, inp, ' ', btn);
      } });
    }
    clear(box).append(table(cols, rows));
  }
  await draw();
  return card;
}
