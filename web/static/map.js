// Live attack map: events from the SSE stream plotted by source lat/lon
// on an equirectangular canvas (country outlines from the embedded
// world-atlas TopoJSON when the build has it).  "Replay" plays back any
// past window from /api/v1/events.  Events without coordinates are not
// dropped: they are counted and listed.
import { api, el, qs } from './util.js';

const W = 1000, H = 500;
let world = null;

async function loadWorld() {
  try {
    const r = await fetch('/static/world.json', { credentials: 'same-origin' });
    if (r.ok) world = await r.json();
  } catch (e) { world = null; }
}

function project(lon, lat) { return [(lon + 180) / 360 * W, (90 - lat) / 180 * H]; }

// Minimal TopoJSON decoding: delta-encoded, quantized arcs.
function drawWorld(g) {
  if (!world || !world.arcs || !world.transform) return;
  const [sx, sy] = world.transform.scale, [tx, ty] = world.transform.translate;
  g.strokeStyle = '#7a8a99'; g.lineWidth = 0.6;
  for (const arc of world.arcs) {
    let x = 0, y = 0, lastX = null;
    g.beginPath();
    arc.forEach(([dx, dy], i) => {
      x += dx; y += dy;
      const [px, py] = project(x * sx + tx, y * sy + ty);
      // An arc crossing the antimeridian would streak across the map.
      if (i === 0 || Math.abs(px - lastX) > W / 2) g.moveTo(px, py); else g.lineTo(px, py);
      lastX = px;
    });
    g.stroke();
  }
}

function drawGrid(g) {
  g.fillStyle = '#0f1a24'; g.fillRect(0, 0, W, H);
  g.strokeStyle = '#1f2d3a'; g.lineWidth = 1;
  for (let lon = -180; lon <= 180; lon += 30) { const [x] = project(lon, 0); g.beginPath(); g.moveTo(x, 0); g.lineTo(x, H); g.stroke(); }
  for (let lat = -90; lat <= 90; lat += 30) { const [, y] = project(0, lat); g.beginPath(); g.moveTo(0, y); g.lineTo(W, y); g.stroke(); }
}

export async function liveMap(main) {
  await loadWorld();
  const canvas = el('canvas', { id: 'map', width: W, height: H });
  const g = canvas.getContext('2d');
  const log = el('ul', { id: 'map-log' });
  const counter = el('span', { id: 'map-count' }, '0');
  const nogeo = el('span', { id: 'map-nogeo' }, '0');
  const points = [];
  let n = 0, ng = 0;
  const redraw = () => {
    drawGrid(g); drawWorld(g);
    for (const p of points) {
      g.fillStyle = 'rgba(230, 80, 60, ' + p.a + ')';
      g.beginPath(); g.arc(p.x, p.y, 3, 0, 2 * Math.PI); g.fill();
    }
  };
  const add = (ev) => {
    n += 1; counter.textContent = String(n);
    if (typeof ev.src_lat === 'number' && typeof ev.src_lon === 'number') {
      const [x, y] = project(ev.src_lon, ev.src_lat);
      points.push({ x, y, a: 1 });
      if (points.length > 500) points.shift();
    } else { ng += 1; nogeo.textContent = String(ng); }
    log.insertBefore(el('li', { class: 'map-event' }, (ev.ts || '') + ' ', ev.type || '', ' ',
      el('a', { href: '/attacker/' + encodeURIComponent(ev.src_ip || '') }, ev.src_ip || '?'),
      ev.src_country ? ' (' + ev.src_country + ')' : '', ' → ', ev.sensor || '', ' ', ev.honeypot || '',
      ev.dst_port !== undefined ? ':' + ev.dst_port : ''), log.firstChild);
    while (log.childNodes.length > 50) log.removeChild(log.lastChild);
  };
  setInterval(() => { for (const p of points) p.a = Math.max(0.25, p.a * 0.97); redraw(); }, 500);

  const replay = el('form', { class: 'filters', id: 'replay-form' },
    el('label', {}, 'Replay since ', el('input', { name: 'since', placeholder: '2017-11-04T00:00:00Z' })),
    el('label', {}, 'until ', el('input', { name: 'until' })),
    el('button', { type: 'submit' }, 'Replay'));
  replay.addEventListener('submit', async (e) => {
    e.preventDefault();
    const r = await api('/api/v1/events' + qs({ since: replay.since.value, until: replay.until.value, order: 'asc', limit: 1000, count: 0 }));
    let i = 0;
    const step = () => { if (i < r.data.length) { add(r.data[i++]); setTimeout(step, 20); } };
    step();
  });
  const state = el('span', { id: 'stream-state' }, 'connecting');
  main.append(el('h1', {}, 'Live attack map'),
    el('p', {}, 'Events: ', counter, ' · without location: ', nogeo, ' · stream: ', state),
    canvas, replay, log);
  redraw();
  const es = new EventSource('/api/v1/stream');
  es.addEventListener('hello', () => { state.textContent = 'live'; });
  es.addEventListener('error', () => { state.textContent = 'reconnecting'; });
  es.addEventListener('event', (m) => { try { add(JSON.parse(m.data)); } catch (e) { /* ignore */ } });
}
