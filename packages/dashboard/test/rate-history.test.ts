import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type DashboardSample, LogBuffer, RateHistory } from '../src/index.ts';

function sample(time: number, rx: number, tx: number, cluster?: number): DashboardSample {
  const t = (bytes: number) => ({ packets: bytes / 100, bytes });
  return {
    time,
    gateways: [
      {
        namespace: 'ns',
        name: 'gw',
        conditions: [],
        addresses: [],
        listeners: [
          {
            name: 'l',
            listener: 'l',
            protocol: 'TURN-UDP',
            port: 1,
            conditions: [],
            serving: true,
            allocations: 0,
            rx: t(rx),
            tx: t(tx),
          },
        ],
      },
    ],
    allocations: [],
    clusters: cluster === undefined ? [] : [{ name: 'c', rx: t(cluster), tx: t(0) }],
    configs: [],
    manifests: [],
    problems: [],
  };
}

describe('RateHistory', () => {
  it('rates each way over the sample interval, zero at first, from zero after a counter reset', () => {
    const h = new RateHistory(3);
    assert.deepEqual(h.add(sample(1000, 1000, 0)).listeners.l, [0, 0, 0, 0]);
    assert.deepEqual(h.add(sample(3000, 3000, 500, 100)).listeners.l, [10, 2.5, 8000, 2000]);
    // The listener restarted: its counters went down.
    assert.deepEqual(h.add(sample(4000, 200, 500, 300)).listeners.l, [0, 0, 0, 0]);
    assert.deepEqual(h.points.at(-1)!.clusters.c, [2, 0, 1600, 0]);
    h.add(sample(5000, 400, 500));
    assert.equal(h.points.length, 3);
    assert.equal(h.points[0]!.time, 3000);
  });
});

describe('LogBuffer', () => {
  it('keeps the last lines, holds the forward output until released, or drops it', () => {
    const out: string[] = [];
    const b = new LogBuffer(2, (l) => out.push(l));
    b.hold();
    b.write('a\n');
    b.write('b\nc\n');
    assert.deepEqual(b.lines, ['b', 'c']);
    assert.deepEqual(out, []);
    b.release();
    assert.deepEqual(out, ['a\n', 'b\nc\n']);
    b.hold();
    b.write('d\n');
    b.release(true);
    assert.deepEqual(out, ['a\n', 'b\nc\n']);
  });
});
