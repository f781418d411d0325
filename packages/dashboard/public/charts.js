// The traffic charts, drawn by uPlot (served from its npm package): allocations over time, then one
// chart per listener and per cluster, in bit/s or packets/s each way.

import { fill, h, si } from '/format.js';
import uPlot from '/vendor/uPlot.esm.js';

const RX = '#2dd4bf';
const TX = '#f59e0b';
const ALLOC = '#818cf8';
const WINDOW_S = 120;
const AXIS = {
  stroke: '#94a3b8',
  font: '11px system-ui, sans-serif',
  grid: { stroke: '#1f2a3d', width: 1 },
  ticks: { stroke: '#334155', width: 1 },
};

function options(width, series, unit) {
  return {
    width,
    height: 150,
    padding: [10, 12, 0, 0],
    legend: { show: false },
    cursor: { y: false, points: { size: 6 } },
    scales: {
      // At least two minutes wide, so a fresh page fills in from the right instead of stretching one point.
      x: { time: true, range: (_u, min, max) => [Math.min(min ?? max, max - WINDOW_S), max] },
      y: { range: (_u, _min, max) => [0, max > 0 ? max * 1.15 : 1] },
    },
    axes: [
      { ...AXIS, space: 70, values: (_u, vals) => vals.map(clock) },
      { ...AXIS, size: 72, values: (_u, vals) => vals.map((v) => si(v, unit)) },
    ],
    series: [{}, ...series],
  };
}

const line = (label, color, paths) => ({
  label,
  stroke: color,
  width: 1.6,
  fill: `${color}22`,
  points: { show: false },
  ...(paths ? { paths } : {}),
});

const pad = (n) => String(n).padStart(2, '0');
function clock(seconds) {
  const d = new Date(seconds * 1000);
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

export class Charts {
  #root;
  #charts = new Map();
  #unit = 'bits';
  #observer;

  constructor(root) {
    this.#root = root;
    this.#observer = new ResizeObserver(() => {
      for (const c of this.#charts.values()) c.plot.setSize({ width: this.#width(c.box), height: 150 });
    });
  }

  set unit(u) {
    this.#unit = u;
    for (const c of this.#charts.values()) c.plot.destroy();
    this.#charts.clear();
    fill(this.#root);
  }

  #width(box) {
    return Math.max(200, box.clientWidth - 2);
  }

  /** Draws the charts from the history (oldest first) and the current state's names. */
  update(history, state) {
    const wanted = [{ key: 'allocations', title: 'Active allocations', sub: 'count' }];
    for (const g of state.gateways) {
      for (const l of g.listeners) {
        if (!l.serving) continue;
        wanted.push({
          key: `l:${l.name}`,
          title: l.listener,
          sub: `${l.protocol} :${l.port} · ${g.name}`,
          listener: l.name,
        });
      }
    }
    for (const c of state.clusters)
      wanted.push({ key: `c:${c.name}`, title: c.name, sub: 'cluster (peers)', cluster: c.name });
    const keys = new Set(wanted.map((w) => w.key));
    for (const [key, c] of this.#charts) {
      if (keys.has(key)) continue;
      c.plot.destroy();
      c.card.remove();
      this.#charts.delete(key);
    }
    const xs = history.map((p) => p.time / 1000);
    for (const w of wanted) {
      const data = this.#data(w, history, xs);
      let c = this.#charts.get(w.key);
      if (!c) c = this.#create(w);
      c.plot.setData(data);
      c.now.replaceChildren(...this.#latest(w, data));
    }
    // Keep the page's order: allocations, listeners, clusters.
    for (const w of wanted) this.#root.append(this.#charts.get(w.key).card);
  }

  #create(w) {
    const box = h('div', { class: 'plot' });
    const now = h('div', { class: 'chart-now' });
    const card = h(
      'div',
      { class: 'chart', 'data-chart': w.key },
      h(
        'div',
        { class: 'chart-head' },
        h('div', {}, h('div', { class: 'chart-title' }, w.title), h('div', { class: 'chart-sub' }, w.sub)),
        now,
      ),
      box,
    );
    this.#root.append(card);
    const unit = this.#unit === 'bits' ? 'b/s' : 'p/s';
    const series =
      w.key === 'allocations'
        ? [line('allocations', ALLOC, uPlot.paths.stepped({ align: 1 }))]
        : [line('client → peer', RX), line('peer → client', TX)];
    const plot = new uPlot(options(this.#width(box), series, w.key === 'allocations' ? '' : unit), [[]], box);
    this.#observer.observe(box);
    const c = { card, box, now, plot };
    this.#charts.set(w.key, c);
    return c;
  }

  #data(w, history, xs) {
    if (w.key === 'allocations') return [xs, history.map((p) => p.allocations)];
    const pick = (p) => (w.listener ? p.listeners[w.listener] : p.clusters[w.cluster]);
    const [a, b] = this.#unit === 'bits' ? [2, 3] : [0, 1];
    // Clusters count from the peer side: rx is from peers (peer → client), tx to peers (client → peer).
    const [up, down] = w.cluster ? [b, a] : [a, b];
    return [xs, history.map((p) => pick(p)?.[up] ?? null), history.map((p) => pick(p)?.[down] ?? null)];
  }

  #latest(w, data) {
    const last = (arr) => arr[arr.length - 1] ?? 0;
    if (w.key === 'allocations') return [h('span', { class: 'now-alloc' }, String(last(data[1]) ?? 0))];
    const unit = this.#unit === 'bits' ? 'b/s' : 'p/s';
    return [
      h('span', { class: 'now-rx' }, `↑ ${si(last(data[1]) ?? 0, unit)}`),
      h('span', { class: 'now-tx' }, `↓ ${si(last(data[2]) ?? 0, unit)}`),
    ];
  }
}
