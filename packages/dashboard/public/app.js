// The dashboard page: one server-sent event stream (`state` every second, `history` and `logs` on
// connect, `log` per line), drawn into the sections of index.html.
import { Charts } from '/charts.js';
import { fill, h, si } from '/format.js';
import { runIceTest } from '/ice-test.js';
import {
  appendLog,
  renderAllocations,
  renderConfig,
  renderGateways,
  renderKpis,
  renderManifests,
  renderProblems,
  renderTryIt,
} from '/render.js';

const $ = (id) => document.getElementById(id);
const token = new URLSearchParams(location.search).get('token');
const api = (path) => (token ? `${path}?token=${encodeURIComponent(token)}` : path);

const HISTORY = 300;
let history = [];
let state;
let previousAllocations = new Map();
let previousTime = 0;
const charts = new Charts($('charts'));

function onState(next) {
  const seconds = state ? (next.time - state.time) / 1000 : 0;
  if (state) {
    previousAllocations = new Map(state.allocations.map((a) => [a.key, a]));
    previousTime = seconds;
  }
  state = next;
  if (history.length === 0 || history[history.length - 1].time < next.rates.time) history.push(next.rates);
  if (history.length > HISTORY) history = history.slice(-HISTORY);
  $('title').textContent = next.title;
  renderKpis($('kpis'), next, next.rates);
  renderProblems($('problems'), next);
  renderGateways($('gateways'), next, next.rates);
  renderTryIt($('try-it'), next);
  charts.update(history, next);
  $('alloc-count').textContent = String(next.allocations.length);
  renderAllocations($('allocations'), next, previousAllocations, previousTime);
  renderManifests($('manifests'), next);
  renderConfig($('config'), next);
  $('ice-run').disabled = !next.ice || iceRunning;
  if (iceRows.size === 0) drawIce();
  if (!next.ice) $('ice-hint').textContent = 'No auth service to get an ICE configuration from.';
  else if (!iceRan)
    $('ice-hint').textContent =
      `A relay-only WebRTC call from this page to itself through each listener, with the ICE configuration from ${next.ice.iceUrl.replace(/\?.*$/, '')}.`;
}

function setLive(ok, text) {
  $('live').classList.toggle('ok', ok);
  $('live-text').textContent = text;
}

function connect() {
  const events = new EventSource(api('/api/events'));
  events.addEventListener('open', () => setLive(true, 'live'));
  events.addEventListener('error', () => setLive(false, 'reconnecting…'));
  events.addEventListener('history', (ev) => {
    history = JSON.parse(ev.data);
  });
  events.addEventListener('logs', (ev) => {
    const el = $('log');
    fill(el);
    appendLog(el, JSON.parse(ev.data));
  });
  events.addEventListener('log', (ev) => appendLog($('log'), [JSON.parse(ev.data)]));
  events.addEventListener('state', (ev) => onState(JSON.parse(ev.data)));
  events.addEventListener('problem', (ev) => setLive(false, JSON.parse(ev.data)));
}

for (const b of $('unit-switch').querySelectorAll('button')) {
  b.addEventListener('click', () => {
    for (const o of $('unit-switch').querySelectorAll('button')) o.classList.toggle('on', o === b);
    charts.unit = b.dataset.unit;
    if (state) charts.update(history, state);
  });
}

// ICE test ------------------------------------------------------------------------------------------
let iceRunning = false;
let iceRan = false;
const iceRows = new Map();

function iceRow(uri, r) {
  const transport = /transport=(\w+)/.exec(uri)?.[1]?.toUpperCase() ?? '?';
  const status = r.idle
    ? h('span', { class: 'chip quiet' }, 'not run yet')
    : r.running
      ? h('span', { class: 'chip quiet' }, 'running…')
      : r.ok
        ? h('span', { class: 'chip ok' }, '✓ connected')
        : h('span', { class: 'chip bad', title: r.error }, '✕ failed');
  const ms = (v) => (v === undefined ? '–' : `${v.toFixed(v < 10 ? 1 : 0)} ms`);
  return h(
    'tr',
    {
      'data-ice': transport.toLowerCase(),
      'data-ok': r.idle ? 'idle' : r.running ? 'running' : r.ok ? 'true' : 'false',
    },
    h('td', {}, h('div', { class: 'strong' }, transport), h('div', { class: 'sub mono' }, uri)),
    h('td', {}, status, r.error ? h('div', { class: 'problem-line' }, r.error) : null),
    h(
      'td',
      { class: 'mono small' },
      r.local ? `${r.local} → ${r.remote ?? '?'}` : '–',
      r.relayed ? h('div', { class: 'sub' }, `relayed ${r.relayed}`) : null,
    ),
    h('td', { class: 'num' }, ms(r.connectMs)),
    h(
      'td',
      { class: 'num' },
      ms(r.rttMs),
      r.rttMin !== undefined ? h('div', { class: 'sub' }, `${ms(r.rttMin)} – ${ms(r.rttMax)}`) : null,
    ),
    h('td', { class: 'num' }, r.loss === undefined ? '–' : `${si(r.loss * 100)} %`),
  );
}

/** Before a run: the listeners the test will call through. */
function plannedIceRows() {
  const rows = new Map();
  for (const g of state?.gateways ?? []) {
    for (const l of g.listeners) if (l.serving && l.uri) rows.set(l.uri, { idle: true });
  }
  return rows;
}

function drawIce() {
  const rows = iceRows.size > 0 ? iceRows : plannedIceRows();
  fill(
    $('ice-results'),
    rows.size === 0
      ? null
      : h(
          'table',
          { class: 'grid ice' },
          h(
            'thead',
            {},
            h(
              'tr',
              {},
              ['listener', 'result', 'candidates', 'connect', 'RTT', 'loss'].map((t) => h('th', {}, t)),
            ),
          ),
          h(
            'tbody',
            {},
            [...rows].map(([uri, r]) => iceRow(uri, r)),
          ),
        ),
  );
}

$('ice-run').addEventListener('click', async () => {
  if (!state?.ice || iceRunning) return;
  iceRunning = true;
  iceRan = true;
  $('ice-run').disabled = true;
  $('ice-run').textContent = 'Testing…';
  iceRows.clear();
  try {
    await runIceTest(state.ice, (uri, r) => {
      iceRows.set(uri, r);
      drawIce();
    });
    $('ice-hint').textContent =
      `Last run ${new Date().toLocaleTimeString()}: relay-only calls from this page to itself through each listener.`;
  } catch (err) {
    $('ice-hint').textContent = `ICE test failed: ${err.message}`;
  } finally {
    iceRunning = false;
    $('ice-run').disabled = false;
    $('ice-run').textContent = 'Run ICE test';
    drawIce();
  }
});

connect();
