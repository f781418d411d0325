// Formatting and DOM helpers. Text goes in through textContent only: manifest and log text is data.

/** `h('td', { class: 'x' }, 'text', child)`: an element with attributes and children. */
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs ?? {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') el.className = v;
    else if (k === 'text') el.textContent = v;
    else if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat()) {
    if (c === undefined || c === null || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

const SI = ['', 'k', 'M', 'G', 'T'];

/** 1234567 → `1.23 M`; trailing zeros dropped (`10 k`, not `10.0 k`). */
export function si(n, unit = '') {
  if (!Number.isFinite(n)) return '–';
  let i = 0;
  let v = Math.abs(n);
  while (v >= 1000 && i < SI.length - 1) {
    v /= 1000;
    i++;
  }
  const digits = v >= 100 ? 0 : v >= 10 ? 1 : 2;
  return `${n < 0 ? '-' : ''}${Number.parseFloat(v.toFixed(digits))} ${SI[i]}${unit}`.trim();
}

export function bytes(n) {
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(v >= 100 ? 0 : 1)} ${units[i]}`;
}

export function age(ms) {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${s % 60}s`;
  const hours = Math.floor(m / 60);
  return `${hours}h ${m % 60}m`;
}

/** A condition is healthy when True, except the negative ones (Conflicted) when False. */
export function healthy(c) {
  return c.type === 'Conflicted' ? c.status === 'False' : c.status === 'True';
}

export function conditionChip(c) {
  const ok = healthy(c);
  return h(
    'span',
    { class: `chip ${ok ? 'ok' : 'bad'}`, title: `${c.type}=${c.status} · ${c.reason}\n${c.message}` },
    // A healthy negative condition (Conflicted=False) reads better as its reason (NoConflicts).
    `${ok ? '✓' : '✕'} ${ok && c.type === 'Conflicted' ? c.reason : c.type}`,
    ok ? null : h('span', { class: 'reason' }, c.reason),
  );
}

export function protocolBadge(protocol) {
  const p = (protocol || '?').replace('TURN-', '');
  return h('span', { class: `proto proto-${p.toLowerCase()}` }, p);
}

/** Replaces an element's children. */
export function fill(el, ...children) {
  el.replaceChildren(...children.flat().filter((c) => c !== null && c !== undefined));
}
