import type { DashboardSample, RatePoint, Traffic } from './dashboard-state.ts';

type Counters = { rx: Traffic; tx: Traffic };

/**
 * Turns the sources' running totals into rates (packets/s and bit/s each way) per listener and per
 * cluster, and keeps the last `capacity` points for a page that opens later. A counter that went
 * down (a listener restarted, a gateway re-created) counts from zero again instead of going negative.
 */
export class RateHistory {
  readonly #capacity: number;
  readonly #points: RatePoint[] = [];
  #last: { time: number; listeners: Map<string, Counters>; clusters: Map<string, Counters> } | undefined;

  constructor(capacity = 300) {
    this.#capacity = capacity;
  }

  get points(): readonly RatePoint[] {
    return this.#points;
  }

  add(sample: DashboardSample): RatePoint {
    const listeners = new Map<string, Counters>();
    for (const g of sample.gateways) for (const l of g.listeners) listeners.set(l.name, { rx: l.rx, tx: l.tx });
    const clusters = new Map(sample.clusters.map((c) => [c.name, { rx: c.rx, tx: c.tx }]));
    const last = this.#last;
    const seconds = last ? Math.max((sample.time - last.time) / 1000, 0.001) : 1;
    const point: RatePoint = {
      time: sample.time,
      allocations: sample.allocations.length,
      listeners: rates(listeners, last?.listeners, seconds),
      clusters: rates(clusters, last?.clusters, seconds),
    };
    this.#last = { time: sample.time, listeners, clusters };
    this.#points.push(point);
    if (this.#points.length > this.#capacity) this.#points.shift();
    return point;
  }
}

function rates(
  now: Map<string, Counters>,
  before: Map<string, Counters> | undefined,
  seconds: number,
): Record<string, [number, number, number, number]> {
  const out: Record<string, [number, number, number, number]> = {};
  for (const [name, c] of now) {
    const b = before?.get(name);
    const d = (x: number, y: number | undefined) => (y === undefined || x < y ? 0 : (x - y) / seconds);
    out[name] = [
      d(c.rx.packets, b?.rx.packets),
      d(c.tx.packets, b?.tx.packets),
      d(c.rx.bytes, b?.rx.bytes) * 8,
      d(c.tx.bytes, b?.tx.bytes) * 8,
    ];
  }
  return out;
}
