// Login: POST JSON to /api/v1/login, then go to the dashboard.
const form = document.getElementById('login-form');
const error = document.getElementById('login-error');
form.addEventListener('submit', async (e) => {
  e.preventDefault();
  error.textContent = '';
  const body = JSON.stringify({
    username: document.getElementById('username').value,
    password: document.getElementById('password').value,
  });
  try {
    const r = await fetch('/api/v1/login', {
      method: 'POST', headers: { 'Content-Type': 'application/json' },
      body, credentials: 'same-origin',
    });
    const j = await r.json();
    if (!r.ok) { error.textContent = j.error || ('HTTP ' + r.status); return; }
    location.href = '/';
  } catch (err) {
    error.textContent = String(err);
  }
});
// Tests (and impatient users) wait for this: the handler is attached.
document.body.dataset.ready = '1';
