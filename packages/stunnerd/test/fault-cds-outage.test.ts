// The config discovery service goes away for CDS_OUTAGE_SECONDS (default 3; the figure in
// docs/reliability.md uses 30) and comes back with a changed config: stunnerd keeps relaying the live
// flow without loss, stays live, and applies the new config once it reconnects.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import { freePort, freeUdpPortPair, waitUntil } from '@stunner/testing';
import { WebSocketServer } from 'ws';
import { ok, RawTurnClient } from './support/raw-turn-client.ts';
import { STUNNERD_MAIN } from './support/stunnerd-process.ts';

const OUTAGE = Number(process.env.CDS_OUTAGE_SECONDS ?? 3);

function cdsServer(listenPort: number) {
  const http = createServer((_req, res) => res.writeHead(404).end());
  const wss = new WebSocketServer({ server: http });
  const ready = new Promise<number>((resolve) =>
    http.listen(listenPort, '127.0.0.1', () => resolve((http.address() as AddressInfo).port)),
  );
  const connected = new Promise<void>((resolve) => wss.once('connection', () => resolve()));
  return {
    ready,
    connected,
    push: (c: unknown) => {
      for (const s of wss.clients) s.send(JSON.stringify(c));
    },
    stop: async () => {
      for (const s of wss.clients) s.terminate();
      wss.close();
      http.closeAllConnections();
      await new Promise((resolve) => http.close(resolve));
    },
  };
}

const config = (health: number, ports: number[]) => ({
  version: 'v1',
  admin: { name: 'test/gw', healthcheck_endpoint: `http://127.0.0.1:${health}` },
  auth: { type: 'static', realm: 'stunner.l7mp.io', credentials: { username: 'user', password: 'pass' } },
  listeners: ports.map((port, i) => ({
    name: `udp-${i}`,
    protocol: 'TURN-UDP',
    address: '127.0.0.1',
    port,
    routes: ['media'],
  })),
  clusters: [{ name: 'media', type: 'STATIC', endpoints: ['127.0.0.1/32'] }],
});

describe('CDS outage (stunnerd -w -c ws://…)', { timeout: 60_000 + OUTAGE * 3000 }, () => {
  it(`the CDS away ${OUTAGE} s, back with a new listener: no loss, live, new config applied`, async (t) => {
    const [p1, p2, health] = [await freeUdpPortPair(), await freeUdpPortPair(), await freePort()];
    const echo = createSocket('udp4');
    echo.on('message', (m, r) => echo.send(m, r.port, r.address));
    await new Promise<void>((r) => echo.bind(0, '127.0.0.1', r));
    t.after(() => echo.close());
    const peer = { family: 'IPv4' as const, address: '127.0.0.1', port: echo.address().port };

    let cds = cdsServer(0);
    // Whichever server is up when the test ends (also after a failed assertion) is closed, or its
    // listening socket keeps the test process alive.
    t.after(() => cds.stop());
    const cdsPort = await cds.ready;
    const daemon = spawn(process.execPath, [STUNNERD_MAIN, '-w', '-c', `ws://127.0.0.1:${cdsPort}`, '-i', 'test/gw'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    daemon.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
    });
    daemon.stderr!.on('data', (d: Buffer) => {
      out += d.toString();
    });
    t.after(() => daemon.kill('SIGKILL'));
    await cds.connected;
    cds.push(config(health, [p1]));
    await waitUntil('the first listener', () => (out.includes(`TURN-UDP port ${p1}`) ? true : undefined), 15_000);

    const c = new RawTurnClient({ port: p1, local: '127.0.5.1' });
    await c.open();
    t.after(() => c.close());
    assert.ok(ok(await c.allocate(600, { rtoMs: 500, tries: 7 })), 'the first listener serves');
    assert.ok(ok(await c.channelBind(0x4000, peer)), 'the channel is bound');
    // The live flow: 20 packets a second for the whole run.
    let sent = 0;
    const flow = setInterval(() => {
      sent++;
      c.channelData(0x4000, Buffer.from(`p${sent}`));
    }, 50);
    t.after(() => clearInterval(flow));

    await cds.stop();
    const downAt = Date.now();
    let liveChecks = 0;
    while (Date.now() - downAt < OUTAGE * 1000) {
      assert.equal((await fetch(`http://127.0.0.1:${health}/live`)).status, 200, 'live while the CDS is down');
      liveChecks++;
      await new Promise((r) => setTimeout(r, 500));
    }
    cds = cdsServer(cdsPort);
    await cds.ready;
    const upAt = Date.now();
    await cds.connected;
    const reconnectMs = Date.now() - upAt;
    cds.push(config(health, [p1, p2]));
    await waitUntil('the new listener', () => (out.includes(`TURN-UDP port ${p2}`) ? true : undefined), 15_000);
    const appliedMs = Date.now() - upAt;
    const c2 = new RawTurnClient({ port: p2, local: '127.0.5.2' });
    await c2.open();
    t.after(() => c2.close());
    // RFC 8489 §6.2.1 retransmissions (Rc 7, RTO 500 ms): a busy machine may be slow to answer.
    assert.ok(ok(await c2.allocate(600, { rtoMs: 500, tries: 7 })), 'the new listener serves');

    clearInterval(flow);
    await waitUntil('every packet echoed', () => (c.received >= sent ? true : undefined), 3000).catch(() => undefined);
    t.diagnostic(
      `outage ${OUTAGE} s: ${c.received}/${sent} packets echoed, /live 200 on ${liveChecks} checks, reconnected ${reconnectMs} ms and applied ${appliedMs} ms after the CDS came back`,
    );
    assert.equal(c.received, sent, 'no packet of the live flow lost');
    assert.ok(ok(await c.refresh(600)), 'the first allocation lives on under the new config');
  });
});
