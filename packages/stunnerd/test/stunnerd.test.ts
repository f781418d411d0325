import assert from 'node:assert/strict';
import { createSocket, type Socket } from 'node:dgram';
import { once } from 'node:events';
import { after, before, describe, it } from 'node:test';
import { type StunnerConfig, validateStunnerConfig } from '@stunner/api';
import { TurnClient } from '@stunner/client';
import { LoggerFactory } from '@stunner/log';
import { Stunnerd } from '@stunner/stunnerd';
import { freePort, freeUdpPortPair } from '@stunner/testing';

const quiet = () => new LoggerFactory({ spec: 'all:ERROR', output: () => {} });

interface Setup {
  port: number;
  port2: number;
  routes?: string[];
  endpoints?: string[];
  password?: string;
  realm?: string;
  metrics?: number;
}

function config(s: Setup): StunnerConfig {
  return validateStunnerConfig({
    version: 'v1',
    admin: {
      name: 'test/gw',
      healthcheck_endpoint: '',
      ...(s.metrics ? { metrics_endpoint: `http://127.0.0.1:${s.metrics}/metrics` } : {}),
    },
    auth: {
      type: 'static',
      realm: s.realm ?? 'stunner.l7mp.io',
      credentials: { username: 'user', password: s.password ?? 'pass' },
    },
    listeners: [
      { name: 'udp', protocol: 'TURN-UDP', address: '127.0.0.1', port: s.port, routes: s.routes ?? ['media'] },
      { name: 'udp2', protocol: 'TURN-UDP', address: '127.0.0.1', port: s.port2, routes: ['media'] },
    ],
    clusters: [{ name: 'media', type: 'STATIC', endpoints: s.endpoints ?? ['127.0.0.1/32'] }],
  });
}

describe('stunnerd reconciliation (stunner-v1.md §1.7)', () => {
  let echo: Socket;
  let echoPort: number;
  before(async () => {
    echo = createSocket('udp4');
    echo.on('message', (m, r) => echo.send(m, r.port, r.address));
    await new Promise<void>((resolve) => echo.bind(0, '127.0.0.1', resolve));
    echoPort = echo.address().port;
  });
  after(() => echo.close());

  /** Every client made, so a failed test still closes them (their refresh timers hold the process). */
  const made: TurnClient[] = [];
  after(async () => {
    await Promise.all(made.map((c) => c.close().catch(() => undefined)));
  });

  /** A live relayed flow: allocation, channel, and a probe that must come back. */
  async function flow(port: number, password = 'pass') {
    const client = new TurnClient({
      host: '127.0.0.1',
      port,
      transport: 'udp',
      username: 'user',
      password,
      maxTransmissions: 3,
    });
    made.push(client);
    await client.allocate();
    const peer = { family: 'IPv4' as const, address: '127.0.0.1', port: echoPort };
    await client.bindChannel(peer);
    const roundTrip = async (text: string) => {
      const got = once(client, 'data', { signal: AbortSignal.timeout(3000) });
      client.send(peer, Buffer.from(text));
      return ((await got) as [Buffer])[0].toString();
    };
    return { client, roundTrip };
  }

  it('keeps a relayed flow through a route change and a credential change, without restarting the listener', async () => {
    const port = await freeUdpPortPair();
    const port2 = await freeUdpPortPair();
    const d = new Stunnerd({ logger: quiet(), ipv6: false });
    try {
      await d.apply(config({ port, port2 }));
      const listener = d.listener('udp');
      const f = await flow(port);
      assert.equal(await f.roundTrip('before'), 'before');

      await d.apply(config({ port, port2, endpoints: ['127.0.0.1/32', '10.0.0.0/8'] }));
      assert.equal(d.listener('udp'), listener, 'same listener object: no restart');
      assert.equal(await f.roundTrip('after route change'), 'after route change');

      await d.apply(config({ port, port2, endpoints: ['127.0.0.1/32', '10.0.0.0/8'], password: 'new-pass' }));
      assert.equal(d.listener('udp'), listener);
      assert.equal(await f.roundTrip('after credential change'), 'after credential change');
      // New allocations use the new credentials.
      const fresh = await flow(port, 'new-pass');
      assert.equal(await fresh.roundTrip('new'), 'new');
      await fresh.client.close();
      await f.client.close().catch(() => undefined);
    } finally {
      await d.close();
    }
  });

  it('stops relaying to a peer whose route is removed, in place', async () => {
    const port = await freeUdpPortPair();
    const port2 = await freeUdpPortPair();
    const d = new Stunnerd({ logger: quiet(), ipv6: false });
    try {
      await d.apply(config({ port, port2 }));
      const f = await flow(port);
      assert.equal(await f.roundTrip('open'), 'open');
      await d.apply(config({ port, port2, endpoints: ['10.0.0.0/8'] }));
      await assert.rejects(f.roundTrip('closed'), /aborted|timeout/i);
      await f.client.close().catch(() => undefined);
    } finally {
      await d.close();
    }
  });

  it('restarts only the listener whose port changed', async () => {
    const [port, port2, port3] = [await freeUdpPortPair(), await freeUdpPortPair(), await freeUdpPortPair()];
    const d = new Stunnerd({ logger: quiet(), ipv6: false });
    try {
      await d.apply(config({ port, port2 }));
      const first = d.listener('udp');
      const second = d.listener('udp2');
      const f = await flow(port2);
      await d.apply(config({ port: port3, port2 }));
      assert.notEqual(d.listener('udp'), first, 'the changed listener restarted');
      assert.equal(d.listener('udp2'), second, 'the other listener kept running');
      assert.equal(await f.roundTrip('still here'), 'still here');
      const moved = await flow(port3);
      assert.equal(await moved.roundTrip('on the new port'), 'on the new port');
      await moved.client.close();
      await f.client.close().catch(() => undefined);
    } finally {
      await d.close();
    }
  });

  it('restarts every listener when the realm changes', async () => {
    const [port, port2] = [await freeUdpPortPair(), await freeUdpPortPair()];
    const d = new Stunnerd({ logger: quiet(), ipv6: false });
    try {
      await d.apply(config({ port, port2 }));
      const [a, b] = [d.listener('udp'), d.listener('udp2')];
      await d.apply(config({ port, port2, realm: 'other.realm' }));
      assert.notEqual(d.listener('udp'), a);
      assert.notEqual(d.listener('udp2'), b);
    } finally {
      await d.close();
    }
  });

  it('rolls a config that cannot be applied back, and the last good config keeps serving', async () => {
    const [port, port2] = [await freeUdpPortPair(), await freeUdpPortPair()];
    const blocker = createSocket('udp4');
    await new Promise<void>((resolve) => blocker.bind(0, '0.0.0.0', resolve));
    const taken = blocker.address().port;
    const d = new Stunnerd({ logger: quiet(), ipv6: false });
    try {
      await d.apply(config({ port, port2 }));
      const f = await flow(port);
      await assert.rejects(d.apply(config({ port, port2: taken })), /cannot listen on TURN-UDP port/);
      await assert.rejects(d.apply(config({ port, port2: taken })), { code: 'STUNNERD_ERR_LISTEN' });
      assert.equal(d.status, 'READY');
      assert.equal(d.config?.listeners[1]?.port, port2, 'the previous config is still the current one');
      assert.equal(await f.roundTrip('after rollback'), 'after rollback');
      const back = await flow(port2);
      assert.equal(await back.roundTrip('second listener back'), 'second listener back');
      await back.client.close();
      await f.client.close().catch(() => undefined);
    } finally {
      blocker.close();
      await d.close();
    }
  });

  it('counts a known flow exactly in /metrics and shows no secret on /status', async () => {
    const [port, port2] = [await freeUdpPortPair(), await freeUdpPortPair()];
    const metricsPort = await freePort(); // an HTTP endpoint: free for TCP too
    const d = new Stunnerd({ logger: quiet(), ipv6: false });
    try {
      await d.apply(config({ port, port2, metrics: metricsPort }));
      const f = await flow(port);
      for (let i = 0; i < 5; i++) assert.equal(await f.roundTrip(`packet-${i}`), `packet-${i}`);
      const text = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
      assert.match(text, /stunner_allocations_active 1\n/);
      assert.match(text, /stunner_listener_packets_total\{name="udp",direction="rx"\} 5\n/);
      assert.match(text, /stunner_listener_packets_total\{name="udp",direction="tx"\} 5\n/);
      assert.match(text, /stunner_listener_bytes_total\{name="udp",direction="rx"\} 40\n/);
      // Per admitting cluster: tx to the peer, rx from it (stunner-v1.md §1.12).
      assert.match(text, /stunner_cluster_packets_total\{name="media",direction="tx"\} 5\n/);
      assert.match(text, /stunner_cluster_packets_total\{name="media",direction="rx"\} 5\n/);
      assert.match(text, /stunner_cluster_bytes_total\{name="media",direction="rx"\} 40\n/);
      const status = JSON.stringify(await d.statusDocument());
      assert.doesNotMatch(status, /"password":"pass"/);
      assert.match(status, /"allocationCount":1/);
      await f.client.close();
    } finally {
      await d.close();
    }
  });
});
