import assert from 'node:assert/strict';
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { TurnClient } from '@stunner/client';
import { freePort, freeUdpPortPair } from '@stunner/testing';
import { WebSocketServer } from 'ws';

const main = fileURLToPath(new URL('../src/main.ts', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'stunnerd-process-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const configJson = (port: number, health: number, realm = 'stunner.l7mp.io') => ({
  version: 'v1',
  admin: { name: 'test/gw', healthcheck_endpoint: `http://127.0.0.1:${health}` },
  auth: { type: 'static', realm, credentials: { username: 'user', password: 'pass' } },
  listeners: [{ name: 'test/gw/udp', protocol: 'TURN-UDP', address: '127.0.0.1', port }],
});

/** Collects a child's stdout and resolves when a line matches. */
function waitForLine(child: ChildProcess, pattern: RegExp, ms = 15_000): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`no line matching ${pattern} within ${ms} ms:\n${out}`)), ms);
    const onData = (d: Buffer) => {
      out += d.toString();
      const line = out.split('\n').find((l) => pattern.test(l));
      if (line !== undefined) {
        clearTimeout(timer);
        child.stdout!.off('data', onData);
        resolve(line);
      }
    };
    child.stdout!.on('data', onData);
  });
}

function stunclient(port: number): Promise<string> {
  return new Promise((resolve, reject) =>
    execFile('turnutils_stunclient', ['-p', String(port), '127.0.0.1'], { timeout: 10_000 }, (e, out) =>
      e ? reject(e) : resolve(out),
    ),
  );
}

describe('stunnerd process', { timeout: 60_000 }, () => {
  it('drains on SIGTERM: stays up and not ready while an allocation lives, exits 0 once it is refreshed to 0', async (t) => {
    const [port, health] = [await freeUdpPortPair(), await freePort()];
    const path = join(dir, 'drain.json');
    writeFileSync(path, JSON.stringify(configJson(port, health)));
    const daemon = spawn(process.execPath, [main, '-c', `file://${path}`], { stdio: ['ignore', 'pipe', 'ignore'] });
    t.after(() => daemon.kill('SIGKILL'));
    await waitForLine(daemon, /TURN-UDP port/);
    assert.equal((await fetch(`http://127.0.0.1:${health}/ready`)).status, 200);

    const client = new TurnClient({ host: '127.0.0.1', port, transport: 'udp', username: 'user', password: 'pass' });
    t.after(() => client.close().catch(() => undefined));
    await client.allocate();
    const exited = once(daemon, 'exit');
    daemon.kill('SIGTERM');
    // Not ready at once, but still serving: the allocation refreshes.
    let ready = 200;
    for (let i = 0; i < 200 && ready === 200; i++) ready = (await fetch(`http://127.0.0.1:${health}/ready`)).status;
    assert.equal(ready, 503);
    await client.refresh(600);
    assert.equal(daemon.exitCode, null, 'still running with a live allocation');
    await client.close();
    const [code] = await exited;
    assert.equal(code, 0);
  });

  it('follows the config discovery service, reconnects after it restarts, and serves the last config meanwhile', async (t) => {
    const [port, port2, health] = [await freeUdpPortPair(), await freeUdpPortPair(), await freePort()];
    const start = (listenPort: number) => {
      const http = createServer((_req, res) => res.writeHead(404).end());
      const wss = new WebSocketServer({ server: http });
      const ready = new Promise<number>((resolve) =>
        http.listen(listenPort, '127.0.0.1', () => resolve((http.address() as AddressInfo).port)),
      );
      const connected = new Promise<void>((resolve) => wss.once('connection', () => resolve()));
      const push = (c: unknown) => {
        for (const s of wss.clients) s.send(JSON.stringify(c));
      };
      const stop = async () => {
        for (const s of wss.clients) s.terminate();
        wss.close();
        http.closeAllConnections();
        await new Promise((resolve) => http.close(resolve));
      };
      return { ready, connected, push, stop };
    };
    let cds = start(0);
    const cdsPort = await cds.ready;
    const daemon = spawn(process.execPath, [main, '-w', '-c', `ws://127.0.0.1:${cdsPort}`, '-i', 'test/gw'], {
      stdio: ['ignore', 'pipe', 'ignore'],
      // The health server of the zero config it starts from: not 8086, which other tests may hold.
      env: { ...process.env, STUNNER_HEALTHCHECK_ENDPOINT: `http://127.0.0.1:${health}` },
    });
    t.after(() => daemon.kill('SIGKILL'));
    await cds.connected;
    const served = waitForLine(daemon, new RegExp(`TURN-UDP port ${port}`));
    cds.push(configJson(port, health));
    await served;
    assert.match(await stunclient(port), /UDP reflexive addr/);

    await cds.stop();
    assert.match(await stunclient(port), /UDP reflexive addr/, 'serves the last config while the CDS is down');

    cds = start(cdsPort);
    await cds.ready;
    await cds.connected;
    const moved = waitForLine(daemon, new RegExp(`TURN-UDP port ${port2}`));
    cds.push(configJson(port2, health));
    await moved;
    assert.match(await stunclient(port2), /UDP reflexive addr/);
    await cds.stop();
    daemon.kill('SIGTERM');
    assert.equal((await once(daemon, 'exit'))[0], 0);
  });
});
