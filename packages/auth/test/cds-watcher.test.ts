import assert from 'node:assert/strict';
import type { EventEmitter } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, it, type TestContext } from 'node:test';
import { CdsServer } from '@stunner/operator/runtime';
import { type WebSocket, WebSocketServer } from 'ws';
import { AllConfigsWatcher, ConfigStore, iceConfig } from '../src/index.ts';
import { gatewayConfig } from './support/operator-configs.ts';

/** Resolves once `cond` holds, checked after each `event`; rejects after `ms`. */
function until(emitter: EventEmitter, event: string, cond: () => boolean, ms = 10_000): Promise<void> {
  return new Promise((resolve, reject) => {
    if (cond()) return resolve();
    const timer = setTimeout(() => {
      emitter.off(event, check);
      reject(new Error(`condition not met within ${ms} ms`));
    }, ms);
    function check() {
      if (!cond()) return;
      clearTimeout(timer);
      emitter.off(event, check);
      resolve();
    }
    emitter.on(event, check);
  });
}

/**
 * A CDS that lists no configs over HTTP and hands each watch connection to `onConnection`; stopped
 * after the test.
 */
async function emptyCds(
  t: TestContext,
  options: { autoPong?: boolean },
  onConnection: (ws: WebSocket) => void,
): Promise<URL> {
  const http = createServer((_req, res) => res.writeHead(200).end('{"version":"v1","items":[]}'));
  const wss = new WebSocketServer({ server: http, ...options });
  wss.on('connection', onConnection);
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  t.after(async () => {
    for (const c of wss.clients) c.terminate();
    wss.close();
    http.closeAllConnections();
    await new Promise((r) => http.close(r));
  });
  return new URL(`http://127.0.0.1:${(http.address() as AddressInfo).port}`);
}

const udp = (id: string, port: number) => gatewayConfig(id, [{ name: 'udp', protocol: 'TURN-UDP', port }]);

describe('AllConfigsWatcher against the operator CDS server', { timeout: 30_000 }, () => {
  it('learns every namespace, follows changes, and forgets a deleted gateway', async (t) => {
    const cds = new CdsServer();
    const { port } = await cds.listen(0, '127.0.0.1');
    t.after(() => cds.close());
    cds.update([udp('ns1/a', 3478), udp('ns2/b', 3479)]);
    const store = new ConfigStore();
    const watcher = new AllConfigsWatcher({ base: new URL(`http://127.0.0.1:${port}`), store, reconnectDelay: 50 });
    t.after(() => watcher.close());
    watcher.start();
    assert.equal(watcher.url, `ws://127.0.0.1:${port}/api/v1/configs?watch=true`);
    await until(store, 'change', () => store.size === 2);
    assert.deepEqual(store.ids().sort(), ['ns1/a', 'ns2/b']);

    cds.update([udp('ns1/a', 4000)]);
    await until(store, 'change', () => store.size === 1 && store.values()[0]!.listeners[0]!.port === 4000);
    assert.deepEqual(
      iceConfig(store.values()).iceServers.flatMap((s) => s.urls),
      ['turn:127.0.0.1:4000?transport=udp'],
      'the deleted gateway is gone from the answers',
    );
  });

  it('reconnects after the CDS restarts and forgets gateways deleted while it was away', async (t) => {
    let cds = new CdsServer();
    const { port } = await cds.listen(0, '127.0.0.1');
    cds.update([udp('ns/a', 3478), udp('ns/b', 3479)]);
    const store = new ConfigStore();
    const watcher = new AllConfigsWatcher({ base: new URL(`http://127.0.0.1:${port}`), store, reconnectDelay: 50 });
    t.after(() => watcher.close());
    const events: string[] = [];
    watcher.on('connected', () => events.push('connected'));
    watcher.on('disconnected', () => events.push('disconnected'));
    watcher.start();
    await until(store, 'change', () => store.size === 2);

    await cds.close();
    await until(watcher, 'disconnected', () => events.includes('disconnected'));
    assert.equal(store.size, 2, 'the last configs stay while the CDS is away');

    cds = new CdsServer();
    t.after(() => cds.close());
    cds.update([udp('ns/b', 3479), udp('ns/c', 3480)]);
    await cds.listen(port, '127.0.0.1');
    await until(store, 'change', () => store.ids().sort().join() === 'ns/b,ns/c');
    assert.deepEqual(events.slice(0, 3), ['connected', 'disconnected', 'connected']);
  });

  it('drops a connection that stays silent past the read timeout (no pong) and dials again', async (t) => {
    let connections = 0;
    const base = await emptyCds(t, { autoPong: false }, () => connections++);
    const store = new ConfigStore();
    const watcher = new AllConfigsWatcher({
      base,
      store,
      pingInterval: 20,
      readTimeout: 150,
      reconnectDelay: 20,
    });
    t.after(() => watcher.close());
    let disconnects = 0;
    watcher.on('disconnected', () => disconnects++);
    watcher.start();
    await until(watcher, 'connected', () => disconnects >= 2 && connections >= 3);
  });

  it('ignores frames that are not configs and keeps going', async (t) => {
    const base = await emptyCds(t, {}, (ws) => {
      ws.send('not json');
      ws.send('{"version":"v9"}');
      ws.send('');
      ws.send(JSON.stringify(udp('ns/ok', 3478)));
    });
    const store = new ConfigStore();
    const watcher = new AllConfigsWatcher({
      base,
      store,
    });
    t.after(() => watcher.close());
    const warnings: string[] = [];
    watcher.on('warning', (w) => warnings.push(w));
    watcher.start();
    await until(store, 'change', () => store.size === 1);
    assert.equal(warnings.length, 2, warnings.join('\n'));
    assert.match(warnings[0]!, /not JSON/);
    assert.match(warnings[1]!, /unsupported API version/);
  });
});
