// The cluster source against the operator's CDS server and a Stunnerd with its health and metrics
// servers, on real sockets: configs from the CDS, traffic counters and allocations from the daemon.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type StunnerConfig, validateStunnerConfig } from '@stunner/api';
import { TurnClient } from '@stunner/client';
import { LoggerFactory } from '@stunner/log';
import { CdsServer } from '@stunner/operator/runtime';
import { Stunnerd } from '@stunner/stunnerd';
import { freePort, waitUntil } from '@stunner/testing';
import { ClusterSource, parsePrometheusText } from '../src/index.ts';

function config(udp: number, health: number, metrics: number): StunnerConfig {
  return validateStunnerConfig({
    version: 'v1',
    admin: {
      name: 'ns/gw',
      healthcheck_endpoint: `http://127.0.0.1:${health}`,
      metrics_endpoint: `http://127.0.0.1:${metrics}/metrics`,
    },
    auth: { type: 'static', realm: 'stunner.l7mp.io', credentials: { username: 'u', password: 'p' } },
    listeners: [{ name: 'ns/gw/udp', protocol: 'TURN-UDP', address: '127.0.0.1', port: udp, routes: ['ns/peers'] }],
    clusters: [{ name: 'ns/peers', type: 'STATIC', endpoints: ['127.0.0.1/32'] }],
  });
}

describe('ClusterSource', { timeout: 30_000 }, () => {
  it('gateways from the CDS, counters from /metrics and /status, credentials redacted', async (t) => {
    const [udp, health, metrics, cdsPort] = [await freePort(), await freePort(), await freePort(), await freePort()];
    const c = config(udp, health, metrics);
    const cds = new CdsServer();
    await cds.listen(cdsPort, '127.0.0.1');
    t.after(() => cds.close());
    cds.update([c]);
    const daemon = new Stunnerd({ logger: new LoggerFactory({ spec: 'all:ERROR', output: () => {} }) });
    t.after(() => daemon.close());
    await daemon.apply(c);

    const source = new ClusterSource({
      cds: new URL(`http://127.0.0.1:${cdsPort}`),
      dataplanes: async () => [
        {
          gateway: 'ns/gw',
          statusUrl: `http://127.0.0.1:${health}/status`,
          metricsUrl: `http://127.0.0.1:${metrics}/metrics`,
        },
      ],
    });
    t.after(() => source.close());
    await waitUntil(
      'the CDS config',
      async () => ((await source.sample()).gateways.length === 1 ? true : undefined),
      10_000,
      100,
    );

    const client = new TurnClient({ host: '127.0.0.1', port: udp, username: 'u', password: 'p' });
    t.after(() => client.close());
    const { relayed } = await client.allocate();
    // To our own relayed address: the datagram leaves through the relay and comes back as from a peer.
    for (let i = 0; i < 5; i++) await client.sendTo({ address: '127.0.0.1', port: relayed.port }, Buffer.alloc(100));

    const s = await waitUntil(
      'counted traffic',
      async () => {
        const x = await source.sample();
        return x.gateways[0]!.listeners[0]!.rx.packets >= 5 ? x : undefined;
      },
      10_000,
      100,
    );
    assert.deepEqual(s.problems, []);
    const l = s.gateways[0]!.listeners[0]!;
    assert.equal(l.name, 'ns/gw/udp');
    assert.equal(l.uri, `turn:127.0.0.1:${udp}?transport=udp`);
    assert.equal(l.serving, true);
    assert.equal(l.allocations, 1);
    assert.ok(l.rx.bytes >= 500);
    assert.equal(s.clusters[0]?.name, 'ns/peers');
    assert.equal((s.configs[0] as StunnerConfig).auth.credentials.password, '<redacted>');
  });

  it('a CDS that cannot be reached is a problem, not a failure', async (t) => {
    const source = new ClusterSource({ cds: new URL(`http://127.0.0.1:${await freePort()}`) });
    t.after(() => source.close());
    const s = await source.sample();
    assert.equal(s.gateways.length, 0);
    assert.match(s.problems[0]!.message, /no connection to the CDS/);
  });
});

describe('parsePrometheusText', () => {
  it('samples with labels; comments and junk skipped', () => {
    const text = [
      '# HELP stunner_listener_packets_total x',
      '# TYPE stunner_listener_packets_total counter',
      'stunner_listener_packets_total{name="ns/gw/udp",direction="rx"} 12',
      'stunner_allocations_active 3',
      'weird line',
      'label_escape{name="a\\"b"} 1 1700000000',
    ].join('\n');
    assert.deepEqual(parsePrometheusText(text), [
      { name: 'stunner_listener_packets_total', labels: { name: 'ns/gw/udp', direction: 'rx' }, value: 12 },
      { name: 'stunner_allocations_active', labels: {}, value: 3 },
      { name: 'label_escape', labels: { name: 'a"b' }, value: 1 },
    ]);
  });
});
