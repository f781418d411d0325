import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { StunnerConfig } from '@stunner/api';
import { CdsConfigClient, FileConfigWatcher, fetchCdsConfig, parseConfigOrigin } from '@stunner/stunnerd';
import { WebSocketServer } from 'ws';

const config = (realm: string, name = 'ns/gw') =>
  JSON.stringify({
    version: 'v1',
    admin: { name },
    auth: { type: 'static', realm, credentials: { username: 'u', password: 'p' } },
    listeners: [{ name: 'l', protocol: 'TURN-UDP', address: '127.0.0.1', port: 3478 }],
  });

/** The next `event` from `emitter`, failing after `ms`. */
async function next<T extends unknown[]>(emitter: NodeJS.EventEmitter, event: string, ms = 5000): Promise<T> {
  return (await once(emitter, event, { signal: AbortSignal.timeout(ms) })) as T;
}

describe('config origin (-c)', () => {
  it('reads file://, CDS URLs, IP:port and bare addresses', () => {
    assert.deepEqual(parseConfigOrigin('file:///etc/stunnerd/stunnerd.conf'), {
      kind: 'file',
      path: '/etc/stunnerd/stunnerd.conf',
    });
    const cds = (o: string) => {
      const r = parseConfigOrigin(o);
      assert.equal(r.kind, 'cds');
      return r.kind === 'cds' ? r.base.toString() : '';
    };
    assert.equal(cds('http://stunner-cds.stunner-system:13478'), 'http://stunner-cds.stunner-system:13478/');
    assert.equal(cds('ws://10.0.0.1:1234'), 'ws://10.0.0.1:1234/');
    assert.equal(cds('10.0.0.1:13478'), 'http://10.0.0.1:13478/');
    assert.equal(cds(':13478'), 'http://127.0.0.1:13478/');
    assert.equal(cds(''), 'http://127.0.0.1:13478/');
    assert.equal(cds('cds.example'), 'http://cds.example:13478/');
    assert.equal(cds('/etc/stunnerd.conf'), 'http://127.0.0.1:13478/');
    const bare = parseConfigOrigin('/etc/stunnerd.conf');
    assert.match(bare.kind === 'cds' ? (bare.warning ?? '') : '', /write file:\/\/\/etc\/stunnerd.conf for a file/);
  });

  it('explains what it cannot use', () => {
    assert.throws(() => parseConfigOrigin('k8s'), { code: 'STUNNER_ERR_CONFIG_ORIGIN', message: /not supported/ });
    assert.throws(() => parseConfigOrigin('ftp://x'), { code: 'STUNNER_ERR_CONFIG_ORIGIN' });
    assert.throws(() => parseConfigOrigin('file://'), { code: 'STUNNER_ERR_CONFIG_ORIGIN' });
  });
});

describe('FileConfigWatcher', () => {
  const dir = mkdtempSync(join(tmpdir(), 'stunnerd-config-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  /** Lays out a ConfigMap volume: file → ..data/file, ..data → ..<version>, swapped atomically. */
  function publish(version: string, text: string): void {
    mkdirSync(join(dir, `..${version}`));
    writeFileSync(join(dir, `..${version}`, 'stunnerd.conf'), text);
    symlinkSync(`..${version}`, join(dir, '..data_tmp'));
    renameSync(join(dir, '..data_tmp'), join(dir, '..data'));
  }

  it('follows ConfigMap updates, ignoring empty, identical and invalid files, surviving removal', async () => {
    publish('v1', config('one'));
    symlinkSync('..data/stunnerd.conf', join(dir, 'stunnerd.conf'));
    const watcher = new FileConfigWatcher(join(dir, 'stunnerd.conf'), { pollInterval: 50, env: {} });
    const seen: string[] = [];
    watcher.on('config', (c: StunnerConfig) => seen.push(c.auth.realm));
    const warnings: string[] = [];
    watcher.on('warning', (w) => warnings.push(w));
    try {
      const first = next<[StunnerConfig]>(watcher, 'config');
      watcher.start();
      assert.equal((await first)[0].auth.realm, 'one');

      let changed = next<[StunnerConfig]>(watcher, 'config');
      publish('v2', config('two'));
      assert.equal((await changed)[0].auth.realm, 'two');

      // Empty, identical and invalid versions produce no config; the invalid one a warning.
      const warned = next<[string]>(watcher, 'warning');
      publish('v3', '');
      publish('v4', config('two'));
      publish('v5', 'version: v1\nauth: {type: nope}\n');
      assert.match((await warned)[0], /ignoring config file/);

      const gone = next<[string]>(watcher, 'warning');
      rmSync(join(dir, 'stunnerd.conf'));
      assert.match((await gone)[0], /cannot be read/);

      changed = next<[StunnerConfig]>(watcher, 'config');
      writeFileSync(join(dir, 'stunnerd.conf'), config('three'));
      assert.equal((await changed)[0].auth.realm, 'three');
      assert.deepEqual(seen, ['one', 'two', 'three']);
    } finally {
      watcher.close();
    }
  });
});

describe('CdsConfigClient', () => {
  /** A config discovery server for one id, as the operator serves it (stunner-v1.md §1.6). */
  function cdsServer(port = 0) {
    const http = createServer((req, res) => {
      if (req.url === '/api/v1/configs/ns/gw')
        res.writeHead(200, { 'content-type': 'application/json' }).end(config('http'));
      else res.writeHead(404).end(JSON.stringify({ code: 404, message: 'Config not found for ID' }));
    });
    const wss = new WebSocketServer({ server: http, autoPong: true });
    const origins: string[] = [];
    const urls: string[] = [];
    let gotPing: (payload: string) => void = () => {};
    const firstPing = new Promise<string>((resolve) => {
      gotPing = resolve;
    });
    wss.on('connection', (socket, req) => {
      origins.push(req.headers.origin ?? '');
      urls.push(req.url ?? '');
      socket.on('ping', (data) => gotPing(data.toString()));
    });
    const listening = new Promise<number>((resolve) =>
      http.listen(port, '127.0.0.1', () => resolve((http.address() as AddressInfo).port)),
    );
    const push = (text: string) => {
      for (const c of wss.clients) c.send(text);
    };
    const stop = async () => {
      for (const c of wss.clients) c.terminate();
      wss.close();
      http.closeAllConnections();
      await new Promise((resolve) => http.close(resolve));
    };
    return { wss, listening, push, stop, firstPing, origins, urls };
  }

  it('follows pushed configs, skips invalid, zero and repeated ones, and keeps alive with pings', async () => {
    const server = cdsServer();
    const port = await server.listening;
    const client = new CdsConfigClient({
      base: new URL(`http://127.0.0.1:${port}`),
      id: 'ns/gw',
      node: 'node-1',
      pingInterval: 20,
    });
    const seen: string[] = [];
    client.on('config', (c) => seen.push(c.auth.realm));
    try {
      const connected = next(client, 'connected');
      client.start();
      await connected;
      assert.deepEqual(server.urls, ['/api/v1/configs/ns/gw?watch=true&node=node-1']);
      assert.deepEqual(server.origins, [`http://127.0.0.1:${port}`]);

      let got = next<[StunnerConfig]>(client, 'config');
      server.push(config('one'));
      assert.equal((await got)[0].auth.realm, 'one');

      const warned = next<[string]>(client, 'warning');
      server.push('{not json');
      assert.match((await warned)[0], /not JSON/);
      server.push(config('one'));
      server.push(
        JSON.stringify({
          version: 'v1',
          admin: { name: 'ns/gw' },
          auth: {
            type: 'static',
            realm: 'stunner.l7mp.io',
            credentials: { username: 'dummy-username', password: 'dummy-password' },
          },
          listeners: [],
          clusters: [],
        }),
      );
      got = next<[StunnerConfig]>(client, 'config');
      server.push(config('two'));
      assert.equal((await got)[0].auth.realm, 'two');
      assert.deepEqual(seen, ['one', 'two']);

      assert.equal(await server.firstPing, 'keepalive');
    } finally {
      client.close();
      await server.stop();
    }
  });

  it('reconnects after the server restarts and keeps the last config meanwhile', async () => {
    let server = cdsServer();
    const port = await server.listening;
    const client = new CdsConfigClient({ base: new URL(`ws://127.0.0.1:${port}`), id: 'ns/gw', reconnectDelay: 20 });
    try {
      const connected = next(client, 'connected');
      client.start();
      await connected;
      const first = next<[StunnerConfig]>(client, 'config');
      server.push(config('before'));
      await first;

      const lost = next<[string]>(client, 'disconnected');
      await server.stop();
      await lost;

      server = cdsServer(port);
      await server.listening;
      const back = next(client, 'connected');
      await back;
      const after = next<[StunnerConfig]>(client, 'config');
      server.push(config('after'));
      assert.equal((await after)[0].auth.realm, 'after');
    } finally {
      client.close();
      await server.stop();
    }
  });

  it('drops a connection that stays silent past the read timeout', async () => {
    const server = cdsServer();
    server.wss.options.autoPong = false;
    const port = await server.listening;
    const client = new CdsConfigClient({
      base: new URL(`http://127.0.0.1:${port}`),
      id: 'ns/gw',
      pingInterval: 10,
      readTimeout: 100,
      reconnectDelay: 10_000,
    });
    try {
      const connected = next(client, 'connected');
      client.start();
      await connected;
      await next(client, 'disconnected', 2000);
    } finally {
      client.close();
      await server.stop();
    }
  });

  it('reads a config once over HTTP', async () => {
    const server = cdsServer();
    const port = await server.listening;
    try {
      const c = await fetchCdsConfig(new URL(`http://127.0.0.1:${port}`), 'ns/gw');
      assert.equal(c.auth.realm, 'http');
      await assert.rejects(fetchCdsConfig(new URL(`http://127.0.0.1:${port}`), 'ns/other'), /answered 404/);
    } finally {
      await server.stop();
    }
  });
});
