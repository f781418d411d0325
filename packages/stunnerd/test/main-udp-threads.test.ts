import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { createSocket, type Socket } from 'node:dgram';
import { once } from 'node:events';
import { mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { TurnClient } from '@stunner/client';
import { freePort, freeUdpPortPair, waitUntil } from '@stunner/testing';

const main = fileURLToPath(new URL('../src/main.ts', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'stunnerd-threads-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** Everything a daemon started here has written so far. */
const output = new WeakMap<ChildProcess, () => string>();

/** Starts stunnerd with `args`; resolves once it announces its TURN-UDP listener. */
async function startDaemon(
  args: string[],
  env: NodeJS.ProcessEnv = {},
  nodeArgs: string[] = [],
): Promise<ChildProcess> {
  const daemon = spawn(process.execPath, [...nodeArgs, main, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...env },
  });
  let out = '';
  const collect = (d: Buffer) => {
    out += d.toString();
  };
  daemon.stdout!.on('data', collect);
  daemon.stderr!.on('data', collect);
  output.set(daemon, () => out);
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`stunnerd ${args.join(' ')}: no listener within 30 s:\n${out}`)),
      30_000,
    );
    daemon.stdout!.on('data', () => {
      if (!/TURN-UDP port \d+/.test(out)) return;
      clearTimeout(timer);
      resolve();
    });
    daemon.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`stunnerd ${args.join(' ')} exited ${code}:\n${out}`));
    });
  });
  return daemon;
}

/**
 * The UDP sockets process `pid` holds bound to `port`, by inode: /proc/<pid>/net/udp{,6} list the
 * network namespace's sockets with their inodes, /proc/<pid>/fd says which of those the process owns
 * (a socket with several descriptors, dups, is listed once).
 */
function udpSocketInodes(pid: number, port: number, table: 'udp' | 'udp6'): string[] {
  const owned = new Set<string>();
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (m) owned.add(m[1]!);
    } catch {
      // closed meanwhile
    }
  }
  return readFileSync(`/proc/${pid}/net/${table}`, 'utf8')
    .split('\n')
    .slice(1)
    .map((line) => line.trim().split(/\s+/))
    .filter((f) => f.length > 9 && Number.parseInt(f[1]!.split(':')[1]!, 16) === port && owned.has(f[9]!))
    .map((f) => f[9]!)
    .sort();
}

/** How many UDP sockets process `pid` holds bound to `port`, per family. */
function udpSocketsOnPort(pid: number, port: number): { v4: number; v6: number } {
  return { v4: udpSocketInodes(pid, port, 'udp').length, v6: udpSocketInodes(pid, port, 'udp6').length };
}

/** Values of one metric by its `thread` label, from a Prometheus text page. */
function perThread(text: string, metric: string, extra = ''): Map<string, number> {
  const out = new Map<string, number>();
  const re = new RegExp(`^${metric}\\{name="udp",thread="(\\d+)"${extra}\\} (\\d+)$`, 'gm');
  for (const m of text.matchAll(re)) out.set(m[1]!, Number(m[2]));
  return out;
}

const writeConfig = (name: string, port: number, metrics: number) => {
  const path = join(dir, name);
  writeFileSync(
    path,
    JSON.stringify({
      version: 'v1',
      admin: { name: 'test/gw', healthcheck_endpoint: '', metrics_endpoint: `http://127.0.0.1:${metrics}/metrics` },
      auth: { type: 'static', credentials: { username: 'user', password: 'pass' } },
      listeners: [{ name: 'udp', protocol: 'TURN-UDP', address: '127.0.0.1', port, routes: ['media'] }],
      clusters: [{ name: 'media', type: 'STATIC', endpoints: ['127.0.0.1/32'] }],
    }),
  );
  return path;
};

describe('stunnerd -u/--udp-thread-num (the process)', { timeout: 120_000 }, () => {
  let echo: Socket;
  let echoPort: number;
  before(async () => {
    echo = createSocket('udp4');
    echo.on('message', (m, r) => echo.send(m, r.port, r.address));
    await new Promise<void>((resolve) => echo.bind(0, '127.0.0.1', resolve));
    echoPort = echo.address().port;
  });
  after(() => echo.close());

  /** `n` clients, each from its own source port: allocate, relay one datagram to the echo peer and back. */
  async function flows(port: number, n: number): Promise<TurnClient[]> {
    return Promise.all(
      Array.from({ length: n }, async (_, i) => {
        const client = new TurnClient({
          host: '127.0.0.1',
          port,
          transport: 'udp',
          username: 'user',
          password: 'pass',
        });
        await client.allocate();
        const peer = { family: 'IPv4' as const, address: '127.0.0.1', port: echoPort };
        await client.bindChannel(peer);
        const got = once(client, 'data', { signal: AbortSignal.timeout(5000) });
        client.send(peer, Buffer.from(`flow-${i}`));
        assert.equal(((await got) as [Buffer])[0].toString(), `flow-${i}`);
        return client;
      }),
    );
  }

  it('-u 2 binds two sockets on the listener port and spreads client flows over both threads', async (t) => {
    const [port, metrics] = [await freeUdpPortPair(), await freePort()];
    const daemon = await startDaemon(['-u', '2', '-c', `file://${writeConfig('two.json', port, metrics)}`]);
    t.after(() => daemon.kill('SIGKILL'));

    const sockets = udpSocketsOnPort(daemon.pid!, port);
    assert.equal(sockets.v4, 2, `IPv4 sockets of stunnerd on port ${port}: ${sockets.v4}`);
    assert.ok(sockets.v6 === 0 || sockets.v6 === 2, `IPv6 sockets of stunnerd on port ${port}: ${sockets.v6}`);

    const clients = await flows(port, 16);
    const text = await (await fetch(`http://127.0.0.1:${metrics}/metrics`)).text();
    const allocations = perThread(text, 'stunner_listener_thread_allocations_active');
    const rx = perThread(text, 'stunner_listener_thread_packets_total', ',direction="rx"');
    assert.deepEqual([...allocations.keys()].sort(), ['0', '1'], `thread allocation series:\n${text}`);
    assert.equal(
      [...allocations.values()].reduce((a, b) => a + b, 0),
      16,
      `per-thread allocations ${[...allocations]}`,
    );
    // 16 source ports all hashing to one of two sockets has odds 2^-15.
    assert.ok(
      [...allocations.values()].every((n) => n > 0),
      `allocations per thread: ${[...allocations]}`,
    );
    assert.ok([...rx.values()].every((n) => n > 0) && rx.size === 2, `relayed packets per thread: ${[...rx]}`);
    assert.match(text, /stunner_allocations_active 16\n/);

    await Promise.all(clients.map((c) => c.close()));
    daemon.kill('SIGTERM');
    assert.equal((await once(daemon, 'exit'))[0], 0);
  });

  it('a crashed worker thread is restarted on the same sockets: other flows stay, the restart is counted', async (t) => {
    const [port, metrics] = [await freeUdpPortPair(), await freePort()];
    const daemon = await startDaemon(['-u', '2', '-c', `file://${writeConfig('crash.json', port, metrics)}`], {
      STUNNERD_FAULT_DRILL: 'worker-crash',
    });
    t.after(() => daemon.kill('SIGKILL'));
    const scrape = async () => (await fetch(`http://127.0.0.1:${metrics}/metrics`)).text();
    const inodes = udpSocketInodes(daemon.pid!, port, 'udp');
    assert.equal(inodes.length, 2, `IPv4 sockets on port ${port}`);
    const clients = await flows(port, 16);
    t.after(() => Promise.all(clients.map((c) => c.close().catch(() => {}))));
    const before = await scrape();
    assert.deepEqual(
      [...perThread(before, 'stunner_listener_thread_restarts_total')],
      [
        ['0', 0],
        ['1', 0],
      ],
    );
    const [onCrashed, onOther] = [0, 1].map(
      (i) => perThread(before, 'stunner_listener_thread_allocations_active').get(`${i}`)!,
    );
    assert.ok(onCrashed! > 0 && onOther! > 0, `allocations per thread: ${onCrashed}, ${onOther}`);

    daemon.kill('SIGUSR2');
    // Back when thread 0 answers again: counted once, holding none of its old allocations.
    const after = await waitUntil(
      'thread 0 restarted',
      async () => {
        const text = await scrape();
        return perThread(text, 'stunner_listener_thread_restarts_total').get('0') === 1 &&
          /stunner_listener_thread_packets_total\{name="udp",thread="0",direction="rx"\} 0\n/.test(text) &&
          perThread(text, 'stunner_listener_thread_allocations_active').get('0') === 0
          ? text
          : undefined;
      },
      10_000,
    );
    assert.equal(perThread(after, 'stunner_listener_thread_restarts_total').get('1'), 0);
    assert.equal(perThread(after, 'stunner_listener_thread_allocations_active').get('1'), onOther);
    assert.deepEqual(udpSocketInodes(daemon.pid!, port, 'udp'), inodes, 'the same two sockets on the port');

    // Exactly the surviving thread's flows still relay (the crashed thread's allocations are gone).
    const peer = { family: 'IPv4' as const, address: '127.0.0.1', port: echoPort };
    const relayed = await Promise.all(
      clients.map(async (c, i) => {
        const got = once(c, 'data', { signal: AbortSignal.timeout(2000) }).then(
          () => 1,
          () => 0,
        );
        c.send(peer, Buffer.from(`after-${i}`));
        return got;
      }),
    );
    assert.equal(
      relayed.reduce((a: number, b) => a + b, 0),
      onOther,
      'the surviving thread relays all of its flows',
    );
    daemon.kill('SIGKILL');
  });

  it('without koffi in fastio, each worker binds its own socket and stunnerd warns once that restarts re-deal flows', async (t) => {
    const [port, metrics] = [await freeUdpPortPair(), await freePort()];
    const withoutKoffi = fileURLToPath(new URL('./support/without-koffi.ts', import.meta.url));
    const daemon = await startDaemon(
      ['-u', '2', '-c', `file://${writeConfig('no-koffi.json', port, metrics)}`],
      // batch asked for (whatever the suite runs on), so the I/O fallback is logged too.
      { STUNNERD_FAULT_DRILL: 'worker-crash', STUNNERD_IO: 'batch' },
      ['--import', withoutKoffi],
    );
    t.after(() => daemon.kill('SIGKILL'));
    assert.equal(udpSocketsOnPort(daemon.pid!, port).v4, 2);
    const clients = await flows(port, 4);
    t.after(() => Promise.all(clients.map((c) => c.close().catch(() => {}))));
    daemon.kill('SIGUSR2');
    await waitUntil(
      'thread 0 restarted',
      async () => {
        const text = await (await fetch(`http://127.0.0.1:${metrics}/metrics`)).text();
        return perThread(text, 'stunner_listener_thread_restarts_total').get('0') === 1 ? true : undefined;
      },
      10_000,
    );
    await waitUntil('two sockets again', () => (udpSocketsOnPort(daemon.pid!, port).v4 === 2 ? true : undefined), 5000);
    const out = output.get(daemon)!();
    assert.match(out, /batched UDP I\/O unavailable, using dgram/, 'the I/O fallback is logged');
    assert.equal(out.match(/a worker restart re-deals every thread's flows/g)?.length, 1, out);
    daemon.kill('SIGKILL');
  });

  it('-u 16 (what the operator renders) serves on a machine with fewer cores', async (t) => {
    const [port, metrics] = [await freeUdpPortPair(), await freePort()];
    const daemon = await startDaemon([
      '--udp-thread-num=16',
      '-c',
      `file://${writeConfig('sixteen.json', port, metrics)}`,
    ]);
    t.after(() => daemon.kill('SIGKILL'));
    assert.equal(udpSocketsOnPort(daemon.pid!, port).v4, 16);
    const clients = await flows(port, 4);
    const text = await (await fetch(`http://127.0.0.1:${metrics}/metrics`)).text();
    assert.equal(perThread(text, 'stunner_listener_thread_allocations_active').size, 16, text);
    await Promise.all(clients.map((c) => c.close()));
    daemon.kill('SIGTERM');
    assert.equal((await once(daemon, 'exit'))[0], 0);
  });

  it('-u 1 serves the listener from one socket on the main thread', async (t) => {
    const [port, metrics] = [await freeUdpPortPair(), await freePort()];
    const daemon = await startDaemon(['-u', '1', '-c', `file://${writeConfig('one.json', port, metrics)}`]);
    t.after(() => daemon.kill('SIGKILL'));
    assert.equal(udpSocketsOnPort(daemon.pid!, port).v4, 1);
    const clients = await flows(port, 2);
    const text = await (await fetch(`http://127.0.0.1:${metrics}/metrics`)).text();
    assert.deepEqual([...perThread(text, 'stunner_listener_thread_allocations_active')], [['0', 2]]);
    await Promise.all(clients.map((c) => c.close()));
    daemon.kill('SIGTERM');
    assert.equal((await once(daemon, 'exit'))[0], 0);
  });
});
