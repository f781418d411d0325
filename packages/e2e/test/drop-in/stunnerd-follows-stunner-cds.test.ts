// Our stunnerd (the binary, watch mode) following a STUNner-shaped CDS: a small server that answers as
// STUNner's Go server does (reference/stunner-v1.md §1.6) by replaying recorded frames — the quickstart
// config, then the same config after a UDPRoute change, then the deletion frame — and pongs `keepalive`.
// The recorded bytes get a free listener port and a loopback health address, nothing else.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { after, before, test } from 'node:test';
import { freePort, type WatchedProcess, waitUntil, watchProcess } from '@stunner/testing';
import { type WebSocket, WebSocketServer } from 'ws';
import { STUNNERD } from '../support/harness.ts';
import { quickstart, recorded } from './stunner-world.ts';

let server: Server;
let wss: WebSocketServer;
let stunnerd: WatchedProcess | undefined;
let cdsPort: number;
let turnPort: number;
let healthPort: number;
const sockets = new Set<WebSocket>();
const pings: string[] = [];
const origins: (string | undefined)[] = [];

/** A recorded frame with the ports this machine can give. */
function frame(text: string): string {
  return text
    .replace(/\n$/, '')
    .replace('"port":3478', `"port":${turnPort}`)
    .replace('"healthcheck_endpoint":"http://:8086"', `"healthcheck_endpoint":"http://127.0.0.1:${healthPort}"`);
}
const first = () => frame(recorded(quickstart.configFile));
/** The UDPRoute now also names a second backend Service: STUNner re-sends the whole config. */
const afterRouteChange = () =>
  first().replace(
    '"endpoints":["10.76.1.3","10.80.7.104","10.96.104.57"]',
    '"endpoints":["10.76.1.3","10.80.7.104","10.96.104.57","10.96.77.7"]',
  );

before(async () => {
  [cdsPort, turnPort, healthPort] = [await freePort(), await freePort(), await freePort()];
  wss = new WebSocketServer({ noServer: true, autoPong: false });
  server = createServer((req, res) => {
    // The one-shot GET: json.Encoder bytes, newline included.
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end(`${first()}\n`);
    void req;
  });
  server.on('upgrade', (req, socket, head) => {
    assert.equal(req.url, `/api/v1/configs/${quickstart.id}?watch=true`);
    origins.push(req.headers.origin);
    wss.handleUpgrade(req, socket, head, (ws) => {
      sockets.add(ws);
      // STUNner's server: a pong "keepalive" for every ping, client data discarded, the current config first.
      ws.on('ping', (data) => {
        pings.push(data.toString());
        ws.pong('keepalive');
      });
      ws.on('close', () => sockets.delete(ws));
      ws.send(first());
    });
  });
  await new Promise<void>((r) => server.listen(cdsPort, '127.0.0.1', r));
});
after(async () => {
  if (process.env.STUNNERD_TEST_LOG) process.stderr.write(`${stunnerd?.stderr()}\n`);
  await stunnerd?.stop();
  for (const s of sockets) s.terminate();
  wss?.close();
  server?.closeAllConnections();
  await new Promise((r) => server?.close(r));
});

const status = async () =>
  (await (await fetch(`http://127.0.0.1:${healthPort}/status`)).json()) as {
    status: string;
    listeners: { name: string; port: number }[];
    clusters: { name: string; endpoints: string[] }[];
  };

test('stunnerd -w follows a STUNner CDS: first config, a UDPRoute change in place, the deletion ignored', async () => {
  stunnerd = watchProcess(process.execPath, [STUNNERD, '-w', '-l', 'all:INFO'], {
    env: {
      ...process.env,
      STUNNER_CONFIG_ORIGIN: `http://127.0.0.1:${cdsPort}`,
      STUNNER_ADDR: '127.0.0.1',
      STUNNER_NAMESPACE: 'stunner',
      STUNNER_NAME: 'udp-gateway',
    },
  });
  const ready = await waitUntil(
    'stunnerd READY on the recorded config',
    async () => {
      const s = await status();
      return s.status === 'READY' ? s : undefined;
    },
    20_000,
  );
  assert.deepEqual(
    ready.listeners.map((l) => [l.name, l.port]),
    [['stunner/udp-gateway/udp-listener', turnPort]],
  );
  assert.equal(ready.clusters[0]?.endpoints.length, 3);
  // STUNner's client sends Origin: http://<host> on the watch dial.
  assert.equal(origins[0], `http://127.0.0.1:${cdsPort}`);

  for (const ws of sockets) ws.send(afterRouteChange());
  const changed = await waitUntil(
    'the route change at stunnerd',
    async () => {
      const s = await status();
      return s.clusters[0]?.endpoints.includes('10.96.77.7') ? s : undefined;
    },
    10_000,
  );
  assert.equal(changed.status, 'READY');
  assert.doesNotMatch(stunnerd.stderr(), /restart/i, 'a route change restarts no listener');

  // In watch mode a deleted Gateway's zero config must not tear the listeners down (§1.4): after it, one
  // more config arrives, and it is the only one applied.
  const applied = () => stunnerd!.stderr().split('config applied').length;
  const before = applied();
  for (const ws of sockets) ws.send(recorded('deleted-frame.body'));
  for (const ws of sockets) ws.send(afterRouteChange().replace('"10.96.77.7"', '"10.96.77.8"'));
  const kept = await waitUntil(
    'the config after the deletion frame',
    async () => {
      const s = await status();
      return s.clusters[0]?.endpoints.includes('10.96.77.8') ? s : undefined;
    },
    10_000,
  );
  assert.equal(applied() - before, 1, 'the zero config was applied');
  assert.equal(kept.status, 'READY');
  assert.equal(kept.listeners.length, 1);
});

test("stunnerd's keepalive: pings carry `keepalive` and STUNner's pong keeps the watch open", async () => {
  assert.ok(stunnerd);
  await waitUntil('a keepalive ping', () => (pings.length > 0 ? true : undefined), 12_000);
  assert.equal(pings[0], 'keepalive');
  assert.equal(sockets.size, 1, 'the watch stayed up');
});
