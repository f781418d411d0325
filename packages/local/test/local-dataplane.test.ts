// LocalDataplane on real sockets: per-allocation detail from the engine's events and counters,
// a reconcile that adds a listener, a rejected config that leaves the previous one serving.
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { describe, it } from 'node:test';
import { type StunnerConfig, validateStunnerConfig } from '@stunner/api';
import { TurnClient } from '@stunner/client';
import { LoggerFactory } from '@stunner/log';
import { freePort, waitUntil } from '@stunner/testing';
import { LocalDataplane } from '../src/index.ts';

function config(ports: number[]): StunnerConfig {
  return validateStunnerConfig({
    version: 'v1',
    admin: { name: 'ns/gw', healthcheck_endpoint: '' },
    auth: { type: 'static', realm: 'stunner.l7mp.io', credentials: { username: 'u', password: 'p' } },
    listeners: ports.map((port, i) => ({
      name: `ns/gw/udp-${i}`,
      protocol: 'TURN-UDP',
      address: '127.0.0.1',
      port,
      routes: ['ns/peers'],
    })),
    clusters: [{ name: 'ns/peers', type: 'STATIC', endpoints: ['127.0.0.1/32'] }],
  });
}

describe('LocalDataplane', { timeout: 30_000 }, () => {
  it('allocations with permissions, channels and traffic; reconcile; a rejected config keeps the last good', async (t) => {
    const dp = new LocalDataplane(new LoggerFactory({ spec: 'all:ERROR', output: () => {} }));
    t.after(() => dp.close());
    const [a, b] = [await freePort(), await freePort()];
    assert.deepEqual(await dp.reconcile([config([a])]), new Map());

    const peer = createSocket('udp4');
    await new Promise<void>((resolve) => peer.bind(0, '127.0.0.1', resolve));
    t.after(() => peer.close());
    peer.on('message', (m, from) => peer.send(m, from.port, from.address));
    const peerPort = peer.address().port;

    const client = new TurnClient({ host: '127.0.0.1', port: a, username: 'u', password: 'p' });
    t.after(() => client.close());
    await client.allocate();
    const echoed = new Promise<void>((resolve) => client.once('data', () => resolve()));
    await client.sendTo({ address: '127.0.0.1', port: peerPort }, Buffer.alloc(50));
    await echoed;
    const s = await waitUntil(
      'a channel and counted traffic',
      async () => {
        const x = await dp.sample();
        const al = x.allocations[0];
        return al && al.channels.length === 1 && al.tx.packets >= 1 ? x : undefined;
      },
      5000,
      50,
    );
    const al = s.allocations[0]!;
    assert.equal(al.listener, 'ns/gw/udp-0');
    assert.match(al.client, /^udp 127\.0\.0\.1:\d+$/);
    assert.equal(al.username, 'u');
    assert.deepEqual(al.permissions, ['127.0.0.1']);
    assert.deepEqual(al.channels, [{ number: 0x4000, peer: `127.0.0.1:${peerPort}` }]);
    assert.equal(al.rx.bytes, 50);
    assert.equal(al.tx.bytes, 50);
    assert.equal(s.listeners.get('ns/gw/udp-0')?.allocations, 1);
    assert.equal(s.clusters[0]?.name, 'ns/peers');

    // A second listener is added in place; the allocation on the first survives.
    assert.deepEqual(await dp.reconcile([config([a, b])]), new Map());
    const after = await dp.sample();
    assert.deepEqual([...after.listeners.keys()], ['ns/gw/udp-0', 'ns/gw/udp-1']);
    assert.equal(after.allocations.length, 1);

    // A listener on a port in use: rejected, the previous config keeps serving.
    const holder = createSocket('udp4');
    const c = await freePort();
    await new Promise<void>((resolve) => holder.bind(c, '0.0.0.0', resolve));
    t.after(() => holder.close());
    const failed = await dp.reconcile([config([a, b, c])]);
    assert.match(failed.get('ns/gw') ?? '', /EADDRINUSE/);
    assert.equal(dp.errors.size, 1);
    assert.equal(dp.running()[0]!.listeners.length, 2);
    assert.equal((await dp.sample()).allocations.length, 1);

    await client.close();
    await waitUntil(
      'the allocation gone',
      async () => ((await dp.sample()).allocations.length === 0 ? true : undefined),
      5000,
      50,
    );
  });
});
