import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import type { StunnerConfig } from '@stunner/api';
import { CdsConfigClient, fetchCdsConfig } from '@stunner/stunnerd';
import { WebSocketServer } from 'ws';
import { config, next } from './support/config-sources.ts';

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
      const connected = next<[]>(client, 'connected', 'the WebSocket watch to open');
      client.start();
      assert.deepEqual(await connected, []);
      assert.deepEqual(server.urls, ['/api/v1/configs/ns/gw?watch=true&node=node-1']);
      assert.deepEqual(server.origins, [`http://127.0.0.1:${port}`]);

      let got = next<[StunnerConfig]>(client, 'config', 'the pushed config with realm one');
      server.push(config('one'));
      assert.equal((await got)[0].auth.realm, 'one');

      const warned = next<[string]>(client, 'warning', 'a warning about a push that is not JSON');
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
      got = next<[StunnerConfig]>(client, 'config', 'the pushed config with realm two, after the skipped ones');
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
      const connected = next<[]>(client, 'connected', 'the WebSocket watch to open');
      client.start();
      await connected;
      const first = next<[StunnerConfig]>(client, 'config', 'the config pushed before the restart');
      server.push(config('before'));
      assert.equal((await first)[0].auth.realm, 'before');

      const lost = next<[string]>(client, 'disconnected', 'the client to notice the server is gone');
      await server.stop();
      // The server went without a close frame: an abnormal closure (RFC 6455 §7.4.1, 1006).
      assert.equal((await lost)[0], 'connection closed (1006)');

      server = cdsServer(port);
      await server.listening;
      const back = next<[]>(client, 'connected', 'the client to reconnect to the restarted server');
      assert.deepEqual(await back, []);
      assert.equal(server.urls.length, 1, 'one watch request reached the restarted server');
      const after = next<[StunnerConfig]>(client, 'config', 'the config pushed after the restart');
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
      const connected = next<[]>(client, 'connected', 'the WebSocket watch to open');
      client.start();
      await connected;
      const [reason] = await next<[string]>(
        client,
        'disconnected',
        'the client to drop a server that answers no ping within readTimeout',
        2000,
      );
      // The client terminated the socket itself (no close frame) while the server stayed up and serving.
      assert.equal(reason, 'connection closed (1006)');
      assert.equal((await fetch(`http://127.0.0.1:${port}/api/v1/configs/ns/gw`)).status, 200);
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
