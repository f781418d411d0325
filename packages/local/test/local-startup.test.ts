// `npm start` as a user runs it: start-up failures exit non-zero with one clear line on stderr.
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { watchProcess } from '@stunner/testing';
import { copyManifests, freeOffset, LOCAL_MAIN, startLocal } from './support/local-process.ts';

async function failsWithOneLine(args: string[]): Promise<string> {
  const proc = watchProcess(process.execPath, [LOCAL_MAIN, ...args]);
  const code = await proc.exited(30_000);
  const lines = proc
    .stderr()
    .split('\n')
    .filter((l) => l !== '');
  assert.notEqual(code, 0, `exit code ${code}`);
  assert.equal(lines.length, 1, `stderr:\n${proc.stderr()}`);
  assert.equal(proc.stdout(), '');
  return lines[0]!;
}

describe('local mode start-up', { timeout: 120_000 }, () => {
  it('a TURN port in use (UDP): exit 1 and one line naming the listener and the port', async () => {
    const offset = await freeOffset();
    const holder = createSocket('udp4');
    await new Promise<void>((resolve) => holder.bind(3478 + offset, '127.0.0.1', resolve));
    try {
      const line = await failsWithOneLine(['--port-offset', String(offset)]);
      assert.match(line, /^stunner local: LOCAL_ERR_LISTEN: /);
      assert.match(line, new RegExp(`udp-listener cannot listen on TURN-UDP port ${3478 + offset}`));
      assert.match(line, /in use.*--port-offset/);
    } finally {
      holder.close();
    }
  });

  it('a TURN port in use (TCP): exit 1 and one line', async () => {
    const offset = await freeOffset();
    const holder = createServer();
    await new Promise<void>((resolve) => holder.listen(3478 + offset, '0.0.0.0', resolve));
    try {
      const line = await failsWithOneLine(['--port-offset', String(offset)]);
      assert.match(line, new RegExp(`tcp-listener cannot listen on TURN-TCP port ${3478 + offset}.*EADDRINUSE`));
    } finally {
      holder.close();
    }
  });

  it('the dashboard port in use: exit 1 and one line', async () => {
    const offset = await freeOffset();
    const holder = createServer();
    await new Promise<void>((resolve) => holder.listen(8090 + offset, '127.0.0.1', resolve));
    try {
      const line = await failsWithOneLine(['--port-offset', String(offset)]);
      assert.match(line, new RegExp(`the dashboard cannot listen on 127.0.0.1:${8090 + offset}.*in use`));
    } finally {
      holder.close();
    }
  });

  it('an unreadable path, and a manifest that does not parse: exit 1 and one line', async () => {
    const missing = await failsWithOneLine(['/nonexistent/stunner-manifests']);
    assert.match(missing, /^stunner local: LOCAL_ERR_MANIFESTS: \/nonexistent\/stunner-manifests: cannot read/);
    const dir = copyManifests();
    writeFileSync(join(dir, 'gateway.yaml'), 'kind: Gateway\nmetadata: {name: x\n');
    const broken = await failsWithOneLine([dir]);
    assert.match(broken, /LOCAL_ERR_MANIFESTS: .*gateway\.yaml#1: YAML/);
  });

  it('bad flags: exit 2 and one line; the dashboard off loopback without a token is refused', async () => {
    const proc = watchProcess(process.execPath, [LOCAL_MAIN, '--port-offset', 'x']);
    assert.equal(await proc.exited(30_000), 2);
    assert.match(proc.stderr(), /^stunner local: LOCAL_ERR_FLAGS: --port-offset must be a whole number/);
    const offset = await freeOffset();
    const line = await failsWithOneLine(['--port-offset', String(offset), '--dashboard-address', '0.0.0.0']);
    assert.match(line, /DASHBOARD_ERR_TOKEN_REQUIRED: .*give it a token/);
  });

  it('prints the TURN URIs, the credentials, authd, the dashboard and a turncat command that works', async (t) => {
    const offset = await freeOffset();
    const local = await startLocal(['--port-offset', String(offset)]);
    t.after(() => local.proc.stop());
    const out = local.proc.stdout();
    assert.match(out, new RegExp(`turn:127\\.0\\.0\\.1:${3478 + offset}\\?transport=udp`));
    assert.match(out, new RegExp(`turn:127\\.0\\.0\\.1:${3478 + offset}\\?transport=tcp`));
    assert.match(out, /username user-1, password pass-1/);
    assert.equal(local.authUrl, `http://127.0.0.1:${8088 + offset}`);
    assert.equal(local.dashboardUrl, `http://127.0.0.1:${8090 + offset}/`);
    const [, turncat] = out.match(/npm run turncat -- (.*)/) ?? [];
    assert.equal(
      turncat,
      `- 'turn://user-1:pass-1@127.0.0.1:${3478 + offset}?transport=udp' udp://127.0.0.1:${9001 + offset}`,
    );
    const ice = (await (await fetch(`${local.authUrl}/ice?service=turn`)).json()) as {
      iceServers: { urls: string[] }[];
    };
    assert.deepEqual(ice.iceServers[0]!.urls, [
      `turn:127.0.0.1:${3478 + offset}?transport=udp`,
      `turn:127.0.0.1:${3478 + offset}?transport=tcp`,
    ]);
    const status = (await (await fetch(`http://127.0.0.1:${8086 + offset}/status`)).json()) as {
      auth: { credentials: { password: string } };
    };
    assert.equal(status.auth.credentials.password, '<redacted>');
  });
});
