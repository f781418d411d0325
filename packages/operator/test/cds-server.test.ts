import assert from 'node:assert/strict';
import { once } from 'node:events';
import { after, before, test } from 'node:test';
import { NODE_ADDRESS_PLACEHOLDER, type StunnerConfig, zeroConfig } from '@stunner/api';
import WebSocket from 'ws';
import { CdsServer } from '../src/cds/cds-server.ts';

function config(id: string, realm = 'stunner.l7mp.io', address = '$STUNNER_ADDR'): StunnerConfig {
  return {
    ...zeroConfig(id),
    auth: { type: 'static', realm, credentials: { username: 'user-1', password: 'pass-1' } },
    listeners: [{ name: `${id}/udp`, protocol: 'TURN-UDP', address, port: 3478, routes: [] }],
  } as StunnerConfig;
}

let cds: CdsServer;
let base: string;

before(async () => {
  cds = new CdsServer({ nodeAddress: (n) => (n === 'node-1' ? '198.51.100.7' : undefined) });
  const a = await cds.listen(0, '127.0.0.1');
  base = `127.0.0.1:${a.port}`;
});
after(() => cds.close());

/** Collects the text frames of one watch. */
async function watch(path: string): Promise<{ ws: WebSocket; next: () => Promise<StunnerConfig> }> {
  const ws = new WebSocket(`ws://${base}${path}`, { headers: { Origin: `http://${base}` } });
  const frames: StunnerConfig[] = [];
  const waiters: ((c: StunnerConfig) => void)[] = [];
  ws.on('message', (d) => {
    const c = JSON.parse(d.toString()) as StunnerConfig;
    const w = waiters.shift();
    if (w) w(c);
    else frames.push(c);
  });
  await once(ws, 'open');
  const next = () => {
    const f = frames.shift();
    if (f) return Promise.resolve(f);
    return new Promise<StunnerConfig>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error('no config pushed within 2 s')), 2000);
      waiters.push((c) => {
        clearTimeout(t);
        resolve(c);
      });
    });
  };
  return { ws, next };
}

test('GET /api/v1/configs lists every config; /{ns} filters; /{ns}/{name} returns one', async () => {
  cds.update([config('a/gw1'), config('a/gw2'), config('b/gw1')]);
  const all = (await (await fetch(`http://${base}/api/v1/configs`)).json()) as {
    version: string;
    items: StunnerConfig[];
  };
  assert.equal(all.version, 'v1');
  assert.deepEqual(all.items.map((c) => c.admin.name).sort(), ['a/gw1', 'a/gw2', 'b/gw1']);
  const ns = (await (await fetch(`http://${base}/api/v1/configs/a`)).json()) as { items: StunnerConfig[] };
  assert.deepEqual(ns.items.map((c) => c.admin.name).sort(), ['a/gw1', 'a/gw2']);
  const one = (await (await fetch(`http://${base}/api/v1/configs/b/gw1`)).json()) as StunnerConfig;
  assert.equal(one.admin.name, 'b/gw1');
});

test('a missing config answers 404 with STUNner body', async () => {
  const res = await fetch(`http://${base}/api/v1/configs/x/y`);
  assert.equal(res.status, 404);
  assert.deepEqual(await res.json(), { code: 404, message: 'Config not found for ID x/y' });
});

test('the license endpoint reports the free tier', async () => {
  const res = await fetch(`http://${base}/api/v1/license`);
  assert.deepEqual(await res.json(), {
    enabledFeatures: [],
    subscriptionType: 'free',
    lastUpdated: 'N/A',
    lastError: '',
  });
});

test('a watch gets the current config, then each change once, then the zero config on deletion', async () => {
  cds.update([config('w/gw')]);
  const { ws, next } = await watch('/api/v1/configs/w/gw?watch=true');
  assert.equal((await next()).auth.realm, 'stunner.l7mp.io');
  cds.update([config('w/gw')]);
  cds.update([config('w/gw', 'changed.example')]);
  assert.equal((await next()).auth.realm, 'changed.example', 'an unchanged config is not re-sent');
  cds.update([]);
  const z = await next();
  assert.deepEqual(z.listeners, []);
  assert.equal(z.admin.name, 'w/gw');
  ws.close();
});

test('a namespace watch receives each config as a frame of its own', async () => {
  cds.update([config('n/gw1'), config('n/gw2'), config('other/gw')]);
  const { ws, next } = await watch('/api/v1/configs/n?watch=true');
  const got = [(await next()).admin.name, (await next()).admin.name].sort();
  assert.deepEqual(got, ['n/gw1', 'n/gw2']);
  ws.close();
});

test('the node parameter replaces the node-address placeholder by the node external IP', async () => {
  cds.update([config('p/gw', 'r', NODE_ADDRESS_PLACEHOLDER)]);
  const res = (await (await fetch(`http://${base}/api/v1/configs/p/gw?node=node-1`)).json()) as StunnerConfig;
  assert.equal(res.listeners[0]?.address, '198.51.100.7');
  const { ws, next } = await watch('/api/v1/configs/p/gw?watch=true&node=unknown');
  assert.equal((await next()).listeners[0]?.address, '$STUNNER_ADDR');
  ws.close();
});

test('the server answers keepalive pings with pongs carrying the same payload', async () => {
  const { ws } = await watch('/api/v1/configs/p/gw?watch=true');
  ws.ping('keepalive');
  const [payload] = (await once(ws, 'pong')) as [Buffer];
  assert.equal(payload.toString(), 'keepalive');
  ws.close();
});

test('a client that does not read is dropped instead of buffering without bound', async () => {
  const small = new CdsServer({ maxBufferedBytes: 1 });
  const a = await small.listen(0, '127.0.0.1');
  const ws = new WebSocket(`ws://127.0.0.1:${a.port}/api/v1/configs?watch=true`);
  await once(ws, 'open');
  ws.pause();
  const closed = once(ws, 'close');
  const started = performance.now();
  for (let i = 0; i < 200; i++) small.update([config('s/gw', `realm-${i}-${'x'.repeat(20_000)}`)]);
  assert.ok(performance.now() - started < 2000, 'updates never wait for the client');
  ws.resume();
  await closed;
  assert.equal(small.watcherCount, 0);
  await small.close();
});
