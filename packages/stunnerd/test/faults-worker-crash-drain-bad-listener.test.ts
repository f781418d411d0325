// Faults (issue: reliability in figures): a crashed worker thread, SIGTERM with live flows, and a
// config update with one listener that cannot be served. Each checks what clients see.
import assert from 'node:assert/strict';
import { createSocket, type Socket } from 'node:dgram';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { validateStunnerConfig } from '@stunner/api';
import { LoggerFactory } from '@stunner/log';
import { Stunnerd, type WorkerUdpListener } from '@stunner/stunnerd';
import { freePort, freeUdpPortPair, waitUntil } from '@stunner/testing';
import { code, ok, RawTurnClient } from './support/raw-turn-client.ts';
import { type ConfigSpec, startStunnerd } from './support/stunnerd-process.ts';

let echo: Socket;
let peer: { family: 'IPv4'; address: string; port: number };
before(async () => {
  echo = createSocket('udp4');
  echo.on('message', (m, r) => echo.send(m, r.port, r.address));
  await new Promise<void>((resolve) => echo.bind(0, '127.0.0.1', resolve));
  peer = { family: 'IPv4', address: '127.0.0.1', port: echo.address().port };
});
after(() => echo.close());

/** A client from its own loopback source with an allocation and a channel to the echo peer. */
async function flow(port: number, i: number): Promise<RawTurnClient> {
  const c = new RawTurnClient({ port, local: `127.0.3.${i + 1}` });
  await c.open();
  assert.ok(ok(await c.allocate(600)), `client ${i} allocates`);
  assert.ok(ok(await c.channelBind(0x4000, peer)), `client ${i} binds`);
  return c;
}

/** Sends `n` ChannelData packets and resolves with how many came back within 2 s. */
async function echoes(c: RawTurnClient, n: number): Promise<number> {
  const before = c.received;
  for (let k = 0; k < n; k++) c.channelData(0x4000, Buffer.from(`p${k}`));
  await waitUntil('echoes', () => (c.received - before >= n ? true : undefined), 2000).catch(() => undefined);
  return c.received - before;
}

describe('a worker thread crashes (-u 2)', { timeout: 90_000 }, () => {
  it("the crashed thread's clients re-allocate; the other thread's flows go on (the SO_REUSEPORT group is held)", async (t) => {
    const quiet = new LoggerFactory({ spec: 'all:ERROR', output: () => {} });
    const d = new Stunnerd({ logger: quiet, ipv6: false, udpThreads: 2 });
    const clients: RawTurnClient[] = [];
    let port = 0;
    try {
      // A free port can be taken by another test's relay before both threads bind it: try again.
      for (let attempt = 0; attempt < 3 && port === 0; attempt++) {
        const p = await freeUdpPortPair();
        const applied = await d
          .apply(
            validateStunnerConfig({
              version: 'v1',
              admin: { name: 'test/gw', healthcheck_endpoint: '' },
              auth: { type: 'static', credentials: { username: 'user', password: 'pass' } },
              listeners: [{ name: 'udp', protocol: 'TURN-UDP', address: '127.0.0.1', port: p, routes: ['media'] }],
              clusters: [{ name: 'media', type: 'STATIC', endpoints: ['127.0.0.1/32'] }],
            }),
          )
          .then(
            () => true,
            () => false,
          );
        if (applied) port = p;
      }
      assert.ok(port > 0, 'the listener started');
      const listener = d.listener('udp') as WorkerUdpListener;
      for (let i = 0; i < 16; i++) clients.push(await flow(port, i));
      const [onCrashed, onOther] = await listener.perThreadAllocations();
      assert.ok(onCrashed! > 0 && onOther! > 0, `flows on both threads: ${onCrashed}, ${onOther}`);

      const restarted = once(listener, 'worker-started');
      const crashedAt = performance.now();
      await listener.crash(0);
      // Which clients lost their allocation: a Refresh says (437 on the restarted or idle thread).
      const alive: RawTurnClient[] = [];
      const lost: RawTurnClient[] = [];
      await restarted;
      const restartMs = performance.now() - crashedAt;
      const codes: Array<number | undefined> = [];
      for (const c of clients) {
        const r = await c.refresh(600);
        codes.push(ok(r) ? 200 : code(r));
        (ok(r) ? alive : lost).push(c);
      }
      t.diagnostic(`Refresh after the restart, per client: ${codes.join(',')}`);
      // The main thread holds the SO_REUSEPORT group, so the restart moves no 5-tuple.
      assert.equal(alive.length, onOther, 'exactly the other thread’s allocations survive');
      let survivorsLost = 0;
      for (const c of alive) {
        const got = await echoes(c, 20);
        survivorsLost += 20 - got;
        assert.equal(got, 20, 'no loss on the surviving thread');
      }
      assert.equal(lost.length, onCrashed, 'exactly the crashed thread’s allocations are gone');
      // How long a client that saw the 437 takes to relay again: Allocate, ChannelBind, the echoes.
      let recoverMs = 0;
      for (const c of lost) {
        const from = performance.now();
        assert.ok(ok(await c.allocate(600)), 're-allocates after the crash');
        assert.ok(ok(await c.channelBind(0x4000, peer)));
        assert.equal(await echoes(c, 5), 5, 'relays again');
        recoverMs = Math.max(recoverMs, performance.now() - from);
      }
      t.diagnostic(
        `flows per thread: ${onCrashed} crashed, ${onOther} surviving; surviving flows' packets lost: ` +
          `${survivorsLost} of ${20 * alive.length}; worker back ${restartMs.toFixed(0)} ms after the crash; ` +
          `a crashed-thread client relays again at most ${recoverMs.toFixed(0)} ms after its new Allocate; ` +
          `all ${lost.length} re-allocated and relaying ${(performance.now() - crashedAt).toFixed(0)} ms after the crash`,
      );
    } finally {
      for (const c of clients) c.close();
      await d.close();
    }
  });
});

describe('SIGTERM with live flows (stunnerd process, stunner-v1.md §1.14)', { timeout: 90_000 }, () => {
  const spec = async (): Promise<ConfigSpec> => ({
    listeners: [{ name: 'udp', protocol: 'TURN-UDP', port: await freeUdpPortPair() }],
    endpoints: ['127.0.0.1/32'],
  });

  it('relaying goes on until the last allocation closes, then it exits 0', async (t) => {
    const s = await spec();
    const daemon = await startStunnerd(s);
    t.after(() => daemon.kill());
    const [a, b] = [await flow(s.listeners[0]!.port, 40), await flow(s.listeners[0]!.port, 41)];
    t.after(() => {
      for (const c of [a, b]) c.close();
    });
    const exited = once(daemon.child, 'exit');
    daemon.child.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(await echoes(a, 20), 20, 'relaying during the drain');
    assert.ok(ok(await a.refresh(0)), 'the first allocation closes');
    assert.equal(await echoes(b, 20), 20, 'the last allocation still relays');
    assert.equal(daemon.child.exitCode, null, 'still running with an allocation');
    assert.ok(ok(await b.refresh(0)));
    assert.deepEqual((await exited).slice(0, 1), [0]);
  });

  it('a second SIGTERM exits at once, allocations or not', async (t) => {
    const s = await spec();
    const daemon = await startStunnerd(s);
    t.after(() => daemon.kill());
    const c = await flow(s.listeners[0]!.port, 42);
    t.after(() => c.close());
    const exited = once(daemon.child, 'exit');
    daemon.child.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(daemon.child.exitCode, null, 'draining');
    const sent = Date.now();
    daemon.child.kill('SIGTERM');
    const [exitCode] = await exited;
    assert.equal(exitCode, 0);
    assert.ok(Date.now() - sent < 5000, `exited ${Date.now() - sent} ms after the second signal`);
  });
});

describe('a config update with one bad listener (stunnerd -w)', { timeout: 90_000 }, () => {
  it('the other listeners keep serving their allocations; the bad one is reported', async (t) => {
    const [p1, p2, health] = [await freeUdpPortPair(), await freeUdpPortPair(), await freePort()];
    // The bad listener's port is held by another process's TCP socket.
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    t.after(() => blocker.close());
    const taken = (blocker.address() as { port: number }).port;
    const good: ConfigSpec = {
      listeners: [
        { name: 'a', protocol: 'TURN-UDP', port: p1 },
        { name: 'b', protocol: 'TURN-UDP', port: p2 },
      ],
      endpoints: ['127.0.0.1/32'],
      healthPort: health,
    };
    const daemon = await startStunnerd(good, ['-w']);
    t.after(() => daemon.kill());
    const [ca, cb] = [await flow(p1, 50), await flow(p2, 51)];
    t.after(() => {
      for (const c of [ca, cb]) c.close();
    });

    const applied = daemon.output().length;
    daemon.rewrite({ ...good, listeners: [...good.listeners, { name: 'bad', protocol: 'TURN-TCP', port: taken }] });
    await waitUntil(
      'the update with the bad listener to be processed',
      () => (/bad/.test(daemon.output().slice(applied)) ? true : undefined),
      10_000,
    );
    await new Promise((r) => setTimeout(r, 500));
    t.diagnostic(daemon.output().slice(applied).trim().split('\n').slice(0, 4).join(' | '));
    assert.match(daemon.output().slice(applied), /config rejected[^\n]*keeping the previous config/, 'rolled back');
    assert.equal(daemon.child.exitCode, null, 'still running');
    assert.equal(await echoes(ca, 10), 10, 'listener a relays');
    assert.equal(await echoes(cb, 10), 10, 'listener b relays');
    assert.ok(ok(await ca.refresh(600)) && ok(await cb.refresh(600)), 'allocations intact');
    assert.equal((await fetch(`http://127.0.0.1:${health}/live`)).status, 200, 'live');
  });
});
