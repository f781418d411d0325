import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { createMetricsRegistry, MetricsServer, type MetricsSnapshot } from '@stunner/stunnerd';

describe('dataplane metrics (stunner-v1.md §1.12)', () => {
  const snapshot: MetricsSnapshot = {
    allocations: 2,
    listeners: [
      {
        name: 'ns/gw/udp',
        connections: 1,
        connectionsTotal: 1,
        rx: { packets: 10, bytes: 1000 },
        tx: { packets: 9, bytes: 900 },
        threads: [
          { allocations: 1, rx: { packets: 6, bytes: 600 }, tx: { packets: 5, bytes: 500 }, restarts: 2 },
          { allocations: 1, rx: { packets: 4, bytes: 400 }, tx: { packets: 4, bytes: 400 }, restarts: 0 },
        ],
      },
    ],
    clusters: [{ name: 'ns/media', rx: { packets: 9, bytes: 720 }, tx: { packets: 10, bytes: 800 } }],
  };
  let scrapes = 0;
  const registry = createMetricsRegistry(async () => {
    scrapes++;
    return snapshot;
  });
  const server = new MetricsServer(registry, '/metrics');
  after(() => server.close());

  let port = 0;

  it('exposes STUNner metric names, types and labels with the snapshot values', async () => {
    port = (await server.listen({ host: '127.0.0.1', port: 0, path: '/metrics' })).port;
    const res = await fetch(`http://127.0.0.1:${port}/metrics`);
    assert.equal(res.status, 200);
    const text = await res.text();
    const expected = [
      '# TYPE stunner_allocations_active gauge',
      'stunner_allocations_active 2',
      '# TYPE stunner_listener_connections gauge',
      'stunner_listener_connections{name="ns/gw/udp"} 1',
      '# TYPE stunner_listener_connections_total counter',
      'stunner_listener_connections_total{name="ns/gw/udp"} 1',
      'stunner_listener_packets_total{name="ns/gw/udp",direction="rx"} 10',
      'stunner_listener_packets_total{name="ns/gw/udp",direction="tx"} 9',
      'stunner_listener_bytes_total{name="ns/gw/udp",direction="rx"} 1000',
      'stunner_cluster_packets_total{name="ns/media",direction="rx"} 9',
      'stunner_cluster_bytes_total{name="ns/media",direction="tx"} 800',
      '# TYPE stunner_listener_thread_allocations_active gauge',
      'stunner_listener_thread_allocations_active{name="ns/gw/udp",thread="0"} 1',
      'stunner_listener_thread_allocations_active{name="ns/gw/udp",thread="1"} 1',
      'stunner_listener_thread_packets_total{name="ns/gw/udp",thread="0",direction="rx"} 6',
      'stunner_listener_thread_packets_total{name="ns/gw/udp",thread="1",direction="tx"} 4',
      '# TYPE stunner_listener_thread_restarts_total counter',
      'stunner_listener_thread_restarts_total{name="ns/gw/udp",thread="0"} 2',
      'stunner_listener_thread_restarts_total{name="ns/gw/udp",thread="1"} 0',
      '# TYPE process_cpu_seconds_total counter',
    ];
    for (const line of expected) assert.ok(text.includes(`${line}\n`), `missing "${line}"`);
    assert.equal(scrapes, 1, 'one snapshot per scrape');
  });

  it('shows the snapshot again on the next scrape, not a sum of scrapes', async () => {
    await new Promise((resolve) => setImmediate(resolve));
    const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    assert.ok(text.includes('stunner_listener_packets_total{name="ns/gw/udp",direction="rx"} 10\n'));
    assert.equal(scrapes, 2);
  });

  it('answers other paths with 404', async () => {
    assert.equal((await fetch(`http://127.0.0.1:${port}/other`)).status, 404);
  });
});
