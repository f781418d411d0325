import assert from 'node:assert/strict';
import { createSocket, type Socket } from 'node:dgram';
import { once } from 'node:events';
import { readdirSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { validateStunnerConfig } from '@stunner/api';
import { TurnClient } from '@stunner/client';
import { LoggerFactory } from '@stunner/log';
import { Stunnerd, WorkerUdpListener } from '@stunner/stunnerd';
import { freePort, freeUdpPortPair } from '@stunner/testing';
import { bindUdp } from '../src/sockets/udp-socket.ts';

const quiet = () => new LoggerFactory({ spec: 'all:ERROR', output: () => {} });

describe('TURN-UDP on worker threads (--udp-thread-num, SO_REUSEPORT)', { timeout: 90_000 }, () => {
  let echo: Socket;
  let echoPort: number;
  before(async () => {
    echo = createSocket('udp4');
    echo.on('message', (m, r) => echo.send(m, r.port, r.address));
    await new Promise<void>((resolve) => echo.bind(0, '127.0.0.1', resolve));
    echoPort = echo.address().port;
  });
  after(() => echo.close());

  const config = (port: number, metrics: number) =>
    validateStunnerConfig({
      version: 'v1',
      admin: { name: 'test/gw', healthcheck_endpoint: '', metrics_endpoint: `http://127.0.0.1:${metrics}/metrics` },
      auth: { type: 'static', credentials: { username: 'user', password: 'pass' } },
      listeners: [{ name: 'udp', protocol: 'TURN-UDP', address: '127.0.0.1', port, routes: ['media'] }],
      clusters: [{ name: 'media', type: 'STATIC', endpoints: ['127.0.0.1/32'] }],
    });

  async function flows(port: number, n: number) {
    return Promise.all(
      Array.from({ length: n }, async (_, i) => {
        const client = new TurnClient({
          host: '127.0.0.1',
          port,
          transport: 'udp',
          username: 'user',
          password: 'pass',
        });
        await client.allocate();
        const peer = { family: 'IPv4' as const, address: '127.0.0.1', port: echoPort };
        await client.bindChannel(peer);
        // Every later request of this 5-tuple must reach the thread holding its allocation: a
        // Refresh anywhere else would fail with 437.
        await client.refresh(600);
        const got = once(client, 'data', { signal: AbortSignal.timeout(5000) });
        client.send(peer, Buffer.from(`flow-${i}`));
        assert.equal(((await got) as [Buffer])[0].toString(), `flow-${i}`);
        return client;
      }),
    );
  }

  it('keeps each 5-tuple on one thread, spreads flows over threads, and sums the metrics', async () => {
    const [port, metrics] = [await freeUdpPortPair(), await freePort()];
    const d = new Stunnerd({ logger: quiet(), ipv6: false, udpThreads: 2 });
    try {
      await d.apply(config(port, metrics));
      const listener = d.listener('udp');
      assert.ok(listener instanceof WorkerUdpListener);
      const clients = await flows(port, 16);
      assert.equal(await d.allocationCount(), 16);
      const text = await (await fetch(`http://127.0.0.1:${metrics}/metrics`)).text();
      assert.match(text, /stunner_allocations_active 16\n/);
      assert.match(text, /stunner_listener_packets_total\{name="udp",direction="rx"\} 16\n/);
      assert.match(text, /stunner_cluster_packets_total\{name="media",direction="tx"\} 16\n/);
      // Both threads took flows: each reports its own share.
      const perThread = await listener.perThreadAllocations();
      assert.equal(perThread.length, 2);
      assert.ok(
        perThread.every((n) => n > 0),
        `allocations per thread: ${perThread}`,
      );
      await Promise.all(clients.map((c) => c.close()));
      assert.equal(await d.allocationCount(), 0);
    } finally {
      await d.close();
    }
  });

  it('restarts a crashed worker thread, which then serves new allocations', async () => {
    const [port, metrics] = [await freeUdpPortPair(), await freePort()];
    const d = new Stunnerd({ logger: quiet(), ipv6: false, udpThreads: 2 });
    try {
      await d.apply(config(port, metrics));
      const listener = d.listener('udp') as WorkerUdpListener;
      const restarted = once(listener, 'worker-restart');
      const back = once(listener, 'worker-started');
      await listener.crash(0);
      await restarted;
      await back;
      const clients = await flows(port, 8);
      assert.ok((await listener.perThreadAllocations()).every((n) => n > 0));
      await Promise.all(clients.map((c) => c.close()));
    } finally {
      await d.close();
    }
  });

  it('closes the sockets the main thread holds on a port change, a crash and close (no descriptor left)', async () => {
    const openFds = () => readdirSync('/proc/self/fd').length;
    const [port, next, metrics] = [await freeUdpPortPair(), await freeUdpPortPair(), await freePort()];
    // Warm up what the process opens once (worker runtime, metrics server module) before counting.
    const warm = new Stunnerd({ logger: quiet(), ipv6: false, udpThreads: 2 });
    await warm.apply(config(next, metrics));
    await warm.close();
    const fdsBefore = openFds();
    const d = new Stunnerd({ logger: quiet(), ipv6: false, udpThreads: 2 });
    try {
      await d.apply(config(port, metrics));
      const listener = d.listener('udp') as WorkerUdpListener;
      const back = once(listener, 'worker-started');
      await listener.crash(1);
      await back;
      await d.apply(config(next, metrics));
      // The old port is free: no socket of the group is left bound there.
      const free = await bindUdp('IPv4', port);
      free.close();
      const clients = await flows(next, 2);
      await Promise.all(clients.map((c) => c.close()));
    } finally {
      await d.close();
    }
    const taken = await bindUdp('IPv4', next);
    taken.close();
    assert.equal(openFds(), fdsBefore, 'descriptors before and after');
  });
});
