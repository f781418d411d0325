import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { freePort, freeUdpPortPair } from '@stunner/testing';

const main = fileURLToPath(new URL('../src/main.ts', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'stunnerd-main-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** Runs stunnerd with `args`, resolving with the first stdout line once it prints one. */
async function startDaemon(args: string[]) {
  const daemon = spawn(process.execPath, [main, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  daemon.stderr!.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  const first = await Promise.race([
    once(daemon.stdout!, 'data').then(([d]) => (d as Buffer).toString()),
    once(daemon, 'exit').then(([code]) => {
      throw new Error(`stunnerd exited ${code}: ${stderr}`);
    }),
  ]);
  return { daemon, first, stderr: () => stderr };
}

function stunclient(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('turnutils_stunclient', ['-p', String(port), '127.0.0.1'], { timeout: 10_000 }, (err, stdout) =>
      err ? reject(err) : resolve(stdout),
    );
  });
}

describe('stunnerd main', () => {
  it('answers coturn turnutils_stunclient (STUN Binding on a TURN listener)', async (t) => {
    const port = await freeUdpPortPair();
    const { daemon, first } = await startDaemon([`turn://user:pass@127.0.0.1:${port}?transport=udp`]);
    t.after(() => daemon.kill('SIGKILL'));
    assert.match(first, new RegExp(`TURN-UDP port ${port}: turn:127\\.0\\.0\\.1:${port}\\?transport=udp`));
    assert.match(await stunclient(port), /UDP reflexive addr: 127\.0\.0\.1:\d+/);
    daemon.kill('SIGTERM');
    assert.equal((await once(daemon, 'exit'))[0], 0);
  });

  it('loads a config file (-c file://) with UDP and TCP listeners on one port', async (t) => {
    const port = await freePort();
    const path = join(dir, 'stunnerd.yaml');
    writeFileSync(
      path,
      `version: v1
admin: {name: test/gw, healthcheck_endpoint: ""}
auth: {type: static, credentials: {username: u, password: p}}
listeners:
  - {name: udp, protocol: udp, address: 127.0.0.1, port: ${port}}
  - {name: tcp, protocol: tcp, address: 127.0.0.1, port: ${port}}
`,
    );
    const { daemon, first } = await startDaemon(['-c', `file://${path}`]);
    t.after(() => daemon.kill('SIGKILL'));
    assert.match(first, /listener udp TURN-UDP/);
    assert.match(await stunclient(port), /UDP reflexive addr/);
    daemon.kill('SIGTERM');
    assert.equal((await once(daemon, 'exit'))[0], 0);
  });

  it('exits non-zero naming the invalid field of a config file', async () => {
    const path = join(dir, 'bad.yaml');
    writeFileSync(
      path,
      'version: v1\nauth: {type: static, credentials: {username: u}}\nlisteners: [{name: l, port: 99999}]\n',
    );
    const daemon = spawn(process.execPath, [main, '-c', `file://${path}`], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    daemon.stderr!.on('data', (d: Buffer) => {
      err += d.toString();
    });
    const [code] = await once(daemon, 'exit');
    assert.equal(code, 1);
    assert.match(err, /listeners\[0\]\.port/);
    assert.match(err, /auth\.credentials\.password/);
  });

  it('validates without opening sockets in dry-run mode', async () => {
    const path = join(dir, 'dry.yaml');
    writeFileSync(path, 'version: v1\nauth: {type: none}\nlisteners: [{name: l, port: 1}]\n');
    const out = await new Promise<string>((resolve, reject) =>
      execFile(process.execPath, [main, '-d', '-c', `file://${path}`], (e, stdout) =>
        e ? reject(e) : resolve(stdout),
      ),
    );
    assert.equal(JSON.parse(out).valid, true);
    assert.deepEqual(JSON.parse(out).plan.listeners, [{ name: 'l', action: 'start', reason: 'new listener' }]);
  });

  it('refuses bad flags with a usage hint', async () => {
    const daemon = spawn(process.execPath, [main, '--udp-thread-num', 'x'], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    daemon.stderr!.on('data', (d: Buffer) => {
      err += d.toString();
    });
    assert.equal((await once(daemon, 'exit'))[0], 2);
    assert.match(err, /--udp-thread-num x/);
    assert.match(err, /\(STUNNERD_ERR_UDP_THREAD_NUM\)/, 'the message ends with the stable code');
  });
});
