// admin.user_quota (stunner-v1.md §1.9): 486 once a user holds that many allocations, counted over
// every listener and every worker thread of the daemon; freed allocations free quota.
import assert from 'node:assert/strict';
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { validateStunnerConfig } from '@stunner/api';
import { TurnClient, TurnClientError } from '@stunner/client';
import { LoggerFactory } from '@stunner/log';
import { Stunnerd } from '@stunner/stunnerd';
import { freeUdpPortPair, runUclient } from '@stunner/testing';

const quiet = () => new LoggerFactory({ spec: 'all:ERROR', output: () => {} });

const config = (udp: number, tcp: number, quota: number, peerPort = 0) =>
  validateStunnerConfig({
    version: 'v1',
    admin: { name: 'test/gw', healthcheck_endpoint: '', user_quota: quota },
    auth: { type: 'static', credentials: { username: 'user', password: 'pass' } },
    listeners: [
      { name: 'udp', protocol: 'TURN-UDP', address: '127.0.0.1', port: udp, routes: ['media'] },
      { name: 'tcp', protocol: 'TURN-TCP', address: '127.0.0.1', port: tcp, routes: ['media'] },
    ],
    clusters: [{ name: 'media', type: 'STATIC', endpoints: [peerPort ? '127.0.0.1/32' : '192.0.2.1/32'] }],
  });

const client = (port: number, transport: 'udp' | 'tcp') =>
  new TurnClient({ host: '127.0.0.1', port, transport, username: 'user', password: 'pass' });

async function refused(c: TurnClient): Promise<number | undefined> {
  try {
    await c.allocate();
    return undefined;
  } catch (err) {
    assert.ok(err instanceof TurnClientError, String(err));
    return err.stunCode;
  } finally {
    await c.close();
  }
}

describe('user quota across listeners and worker threads', { timeout: 90_000 }, () => {
  it('answers 486 to our client beyond the quota on any listener or thread, and frees quota on release', async () => {
    const [udp, tcp] = [await freeUdpPortPair(), await freeUdpPortPair({ tcp: true })];
    const d = new Stunnerd({ logger: quiet(), ipv6: false, udpThreads: 2 });
    const held: TurnClient[] = [];
    try {
      await d.apply(config(udp, tcp, 3));
      // Two over UDP (spread over the worker threads by the kernel), one over TCP (main thread).
      for (const transport of ['udp', 'udp', 'tcp'] as const) {
        const c = client(transport === 'udp' ? udp : tcp, transport);
        await c.allocate();
        held.push(c);
      }
      assert.equal(await refused(client(udp, 'udp')), 486);
      assert.equal(await refused(client(tcp, 'tcp')), 486);
      // Releasing one (Refresh 0) frees a unit, whichever thread held it.
      await held.shift()!.close();
      const again = client(tcp, 'tcp');
      await again.allocate();
      held.push(again);
      assert.equal(await refused(client(udp, 'udp')), 486);
      // A raised quota applies in place (§1.7), without restarting listeners.
      await d.apply(config(udp, tcp, 4));
      const fourth = client(udp, 'udp');
      await fourth.allocate();
      held.push(fourth);
    } finally {
      await Promise.all(held.map((c) => c.close()));
      await d.close();
    }
  });

  describe('with coturn turnutils_uclient', () => {
    let peer: ChildProcess;
    let peerPort: number;
    before(async () => {
      peerPort = await freeUdpPortPair();
      peer = spawn('turnutils_peer', ['-L', '127.0.0.1', '-p', String(peerPort)], { stdio: 'ignore' });
    });
    after(() => peer?.kill('SIGTERM'));

    const uclient = (port: number) => [
      '-u',
      'user',
      '-w',
      'pass',
      '-p',
      String(port),
      '-e',
      '127.0.0.1',
      '-r',
      String(peerPort),
      '-c',
      '-m',
      '1',
      '-n',
      '10',
      '-l',
      '100',
    ];

    it('passes within the quota (a probe allocation and one session) and is refused with 486 beyond it', async () => {
      const [udp, tcp] = [await freeUdpPortPair(), await freeUdpPortPair({ tcp: true })];
      const d = new Stunnerd({ logger: quiet(), ipv6: false, udpThreads: 2 });
      try {
        await d.apply(config(udp, tcp, 2, peerPort));
        // uclient's probe allocation outlives the run (turn.md §4.5): two allocations for -m 1.
        const ok = await runUclient(uclient(udp));
        assert.equal(ok.lost, 0);
        assert.ok(ok.received > 0);
        // Both units are still held by uclient's leftovers; the next run is refused.
        const out = await new Promise<string>((resolve) =>
          execFile('turnutils_uclient', [...uclient(udp), '127.0.0.1'], { timeout: 30_000 }, (_e, so, se) =>
            resolve(`${so}${se}`),
          ),
        );
        assert.match(out, /486/);
      } finally {
        await d.close();
      }
    });
  });
});
