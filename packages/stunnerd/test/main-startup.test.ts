// stunnerd's start: liveness before the first config in watch mode (stunner-v1.md §1.4, §1.11; the
// operator's Deployment probes /live and /ready on 8086), and a one-shot start whose listener cannot
// bind exits non-zero with one line.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { freePort } from '@stunner/testing';

const main = fileURLToPath(new URL('../src/main.ts', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'stunnerd-startup-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** GETs `url` until it answers (the process is starting), bounded by `ms`. */
async function getWhenUp(url: string, ms = 15_000): Promise<Response> {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      return await fetch(url);
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

function stderrOf(child: ChildProcess): () => string {
  let err = '';
  child.stderr!.on('data', (d: Buffer) => {
    err += d.toString();
  });
  return () => err;
}

describe('stunnerd start', { timeout: 60_000 }, () => {
  it('answers /live 200 and /ready 503 before the first config while the CDS is down', async (t) => {
    // A CDS address where nothing listens: the daemon keeps reconnecting.
    const [cdsPort, health] = [await freePort(), await freePort()];
    const daemon = spawn(process.execPath, [main, '-w', '-c', `ws://127.0.0.1:${cdsPort}`, '-i', 'test/gw'], {
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...process.env, STUNNER_HEALTHCHECK_ENDPOINT: `http://127.0.0.1:${health}` },
    });
    t.after(() => daemon.kill('SIGKILL'));
    const err = stderrOf(daemon);
    const live = await getWhenUp(`http://127.0.0.1:${health}/live`);
    assert.equal(live.status, 200);
    assert.deepEqual(await live.json(), {});
    const ready = await fetch(`http://127.0.0.1:${health}/ready`);
    assert.equal(ready.status, 503);
    assert.deepEqual(await ready.json(), { status: 503, message: 'stunnerd not ready' });
    const status = (await (await fetch(`http://127.0.0.1:${health}/status`)).json()) as { status: string };
    assert.equal(status.status, 'NOT-READY');
    assert.equal(daemon.exitCode, null, 'still running');
    daemon.kill('SIGTERM');
    assert.equal((await once(daemon, 'exit'))[0], 0);
    assert.match(err(), /cds-client/, 'it was trying the CDS');
  });

  it('exits 1 with one clear line when a listener of the config file cannot bind', async () => {
    const holder: Server = createServer();
    await new Promise<void>((resolve) => holder.listen(0, resolve));
    const port = (holder.address() as { port: number }).port;
    after(() => holder.close());
    const health = await freePort();
    const path = join(dir, 'taken.yaml');
    writeFileSync(
      path,
      `version: v1
admin: {name: test/gw, healthcheck_endpoint: "http://127.0.0.1:${health}"}
auth: {type: static, credentials: {username: u, password: p}}
listeners: [{name: test/gw/tcp, protocol: TURN-TCP, address: 127.0.0.1, port: ${port}}]
`,
    );
    const daemon = spawn(process.execPath, [main, '-c', `file://${path}`], { stdio: ['ignore', 'ignore', 'pipe'] });
    const err = stderrOf(daemon);
    const [code] = await once(daemon, 'exit');
    assert.equal(code, 1);
    const lines = err().trim().split('\n');
    assert.equal(lines.length, 1, `one line, got:\n${err()}`);
    assert.match(
      lines[0]!,
      new RegExp(
        `^stunnerd: listener test/gw/tcp cannot listen on TURN-TCP port ${port}: .*EADDRINUSE.*\\(STUNNERD_ERR_LISTEN\\)$`,
      ),
    );
  });
});
