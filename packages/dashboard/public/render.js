// The page's sections, drawn from one state. Each function replaces its section's content.
import { age, bytes, conditionChip, fill, h, healthy, protocolBadge, si } from '/format.js';

/** Allocation rows drawn at most; the count above the table is the whole number. */
const MAX_ROWS = 200;

function copyButton(text) {
  return h(
    'button',
    {
      type: 'button',
      class: 'copy',
      title: 'copy',
      onclick: (ev) => {
        void navigator.clipboard?.writeText(text);
        ev.currentTarget.textContent = 'copied';
      },
    },
    'copy',
  );
}

export function renderKpis(el, state, rates) {
  const listeners = state.gateways.flatMap((g) => g.listeners);
  const ready = listeners.filter((l) => l.serving && l.conditions.every(healthy)).length;
  let up = 0;
  let down = 0;
  for (const r of Object.values(rates?.listeners ?? {})) {
    up += r[2];
    down += r[3];
  }
  const kpi = (label, value, cls) =>
    h('div', { class: `kpi ${cls ?? ''}` }, h('div', { class: 'kpi-v' }, value), h('div', { class: 'kpi-l' }, label));
  fill(
    el,
    kpi(
      'listeners ready',
      `${ready}/${listeners.length}`,
      ready === listeners.length && listeners.length > 0 ? 'good' : 'warn',
    ),
    kpi('allocations', String(state.allocations.length)),
    kpi('client → peer', si(up, 'b/s'), 'rx'),
    kpi('peer → client', si(down, 'b/s'), 'tx'),
    kpi('uptime', age(state.time - state.startedAt)),
  );
}

export function renderProblems(el, state) {
  el.hidden = state.problems.length === 0;
  fill(
    el,
    state.problems.map((p) =>
      h(
        'div',
        { class: `problem ${p.severity}` },
        h('strong', {}, p.severity === 'error' ? 'Error' : 'Warning'),
        ` ${p.message}`,
      ),
    ),
  );
}

export function renderGateways(el, state, rates) {
  if (state.gateways.length === 0) {
    fill(el, h('p', { class: 'empty' }, 'No Gateway rendered: check the manifests below.'));
    return;
  }
  fill(
    el,
    state.gateways.map((g) =>
      h(
        'div',
        { class: 'gateway', 'data-gateway': `${g.namespace}/${g.name}` },
        h(
          'div',
          { class: 'gw-head' },
          h('div', {}, h('span', { class: 'gw-name' }, g.name), h('span', { class: 'gw-ns' }, ` ${g.namespace}`)),
          h('div', { class: 'chips' }, g.conditions.map(conditionChip)),
          h(
            'div',
            { class: 'gw-addr' },
            g.addresses.length ? `public address ${g.addresses.join(', ')}` : 'no public address',
          ),
        ),
        h(
          'table',
          { class: 'grid listeners' },
          h(
            'thead',
            {},
            h(
              'tr',
              {},
              [
                '',
                'listener',
                'protocol',
                'public address',
                'TURN URI',
                'status',
                'routes',
                'allocations',
                'client → peer',
                'peer → client',
              ].map((t) => h('th', {}, t)),
            ),
          ),
          h(
            'tbody',
            {},
            g.listeners.map((l) => {
              const r = rates?.listeners?.[l.name];
              const ok = l.serving && l.conditions.every(healthy);
              return h(
                'tr',
                { 'data-listener': l.name, 'data-ready': ok ? 'true' : 'false' },
                h(
                  'td',
                  {},
                  h('span', {
                    class: `led ${ok ? 'on' : l.serving ? 'warn' : 'off'}`,
                    title: l.serving ? 'served' : 'not served',
                  }),
                ),
                h('td', { class: 'strong' }, l.listener),
                h('td', {}, l.protocol ? protocolBadge(l.protocol) : '—'),
                h(
                  'td',
                  { class: 'mono' },
                  l.publicAddress
                    ? `${l.publicAddress}:${l.publicPort ?? l.port}`
                    : l.port
                      ? `— (port ${l.port})`
                      : 'not rendered',
                ),
                h('td', { class: 'mono uri' }, l.uri ?? '—', l.uri ? copyButton(l.uri) : null),
                h('td', { class: 'chips' }, l.conditions.map(conditionChip)),
                h('td', { class: 'num' }, String(l.attachedRoutes ?? 0)),
                h('td', { class: 'num' }, String(l.allocations)),
                h('td', { class: 'num rx' }, r ? si(r[2], 'b/s') : '–', h('div', { class: 'sub' }, bytes(l.rx.bytes))),
                h('td', { class: 'num tx' }, r ? si(r[3], 'b/s') : '–', h('div', { class: 'sub' }, bytes(l.tx.bytes))),
              );
            }),
          ),
        ),
      ),
    ),
  );
}

/** `previous`: the allocations of the last sample by key, for per-allocation rates. */
export function renderAllocations(el, state, previous, seconds) {
  if (state.allocations.length === 0) {
    fill(
      el,
      h(
        'p',
        { class: 'empty' },
        'No active allocations. Run the ICE test, or the turncat command that npm start printed.',
      ),
    );
    return;
  }
  const rate = (a, dir) => {
    const p = previous.get(a.key);
    if (!p || seconds <= 0) return '';
    return si(Math.max(0, (a[dir].bytes - p[dir].bytes) * 8) / seconds, 'b/s');
  };
  const listenerName = (n) => n.split('/').pop();
  const more = state.allocations.length - MAX_ROWS;
  fill(
    el,
    h(
      'table',
      { class: 'grid allocations' },
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          [
            'client',
            'listener',
            'relayed address',
            'user',
            'permissions',
            'channels',
            'client → peer',
            'peer → client',
            'age',
          ].map((t) => h('th', {}, t)),
        ),
      ),
      h(
        'tbody',
        {},
        state.allocations
          .slice(0, MAX_ROWS)
          .map((a) =>
            h(
              'tr',
              { 'data-allocation': a.key },
              h('td', { class: 'mono' }, a.client),
              h('td', {}, listenerName(a.listener)),
              h('td', { class: 'mono' }, a.relayed.join(', ') || 'binding…'),
              h('td', { class: 'mono' }, a.username),
              h('td', { class: 'mono small' }, a.permissions.length ? a.permissions.join(', ') : '—'),
              h(
                'td',
                { class: 'mono small' },
                a.channels.length ? a.channels.map((c) => `0x${c.number.toString(16)} → ${c.peer}`).join(', ') : '—',
              ),
              h(
                'td',
                { class: 'num rx' },
                `${bytes(a.rx.bytes)} · ${a.rx.packets} pkt`,
                h('div', { class: 'sub' }, rate(a, 'rx')),
              ),
              h(
                'td',
                { class: 'num tx' },
                `${bytes(a.tx.bytes)} · ${a.tx.packets} pkt`,
                h('div', { class: 'sub' }, rate(a, 'tx')),
              ),
              h('td', { class: 'num' }, age(state.time - a.createdAt)),
            ),
          ),
      ),
    ),
    more > 0 ? h('p', { class: 'hint' }, `… and ${more} more allocations not listed`) : null,
  );
}

export function renderManifests(el, state) {
  if (state.manifests.length === 0) {
    fill(el, h('p', { class: 'empty' }, 'No manifests.'));
    return;
  }
  fill(
    el,
    h(
      'table',
      { class: 'grid manifests' },
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          ['object', 'status'].map((t) => h('th', {}, t)),
        ),
      ),
      h(
        'tbody',
        {},
        state.manifests.map((m) =>
          h(
            'tr',
            { 'data-object': m.object, class: m.problems.length ? 'has-problem' : '' },
            h(
              'td',
              {},
              h('div', { class: 'strong' }, m.object),
              m.where ? h('div', { class: 'sub mono' }, m.where) : null,
            ),
            h(
              'td',
              {},
              h(
                'div',
                { class: 'chips' },
                m.conditions.map(conditionChip),
                m.conditions.length === 0 && m.problems.length === 0
                  ? h('span', { class: 'chip quiet' }, 'loaded')
                  : null,
              ),
              m.problems.map((p) => h('div', { class: 'problem-line' }, p)),
            ),
          ),
        ),
      ),
    ),
  );
}

export function renderConfig(el, state) {
  const text = JSON.stringify(state.configs.length === 1 ? state.configs[0] : state.configs, null, 2);
  if (el.textContent !== text) el.textContent = text;
}

const LEVEL = /\b(ERROR|WARN|INFO|DEBUG|TRACE)\b/;

export function appendLog(el, lines, max = 300) {
  const stick = el.scrollTop + el.clientHeight >= el.scrollHeight - 20;
  for (const line of lines) {
    const level = LEVEL.exec(line)?.[1]?.toLowerCase() ?? 'info';
    el.append(h('div', { class: `ll ${level}` }, line));
  }
  while (el.childElementCount > max) el.firstElementChild.remove();
  if (stick) el.scrollTop = el.scrollHeight;
}

export function renderTryIt(el, state) {
  const lines = state.tryIt ?? [];
  el.hidden = lines.length === 0;
  const key = lines.join('\n');
  if (el.dataset.key === key) return;
  el.dataset.key = key;
  fill(
    el,
    lines.map((line) =>
      h(
        'div',
        { class: 'try-line' },
        h('span', { class: 'try-label' }, 'try it'),
        h('code', {}, line),
        copyButton(line),
      ),
    ),
  );
}
