import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { ioLoop } from '@stunner/fastio';
import { PeerFilter, parseStunnerdCli, parseUdpIo, resolveUdpIo, UdpTurnListener } from '@stunner/stunnerd';
import { freeUdpPortPair, runUclient } from '@stunner/testing';

describe('UDP I/O selection (--io dgram|batch)', () => {
  it('parses --io and refuses anything else with STUNNERD_ERR_IO', () => {
    assert.equal(parseStunnerdCli(['--io', 'dgram'], {}).io, 'dgram');
    assert.equal(parseStunnerdCli(['--io', 'batch'], {}).io, 'batch');
    assert.equal(parseStunnerdCli([], {}).io, undefined);
    assert.throws(() => parseStunnerdCli(['--io', 'uring'], {}), { code: 'STUNNERD_ERR_IO' });
    assert.throws(() => parseUdpIo('fast'), { code: 'STUNNERD_ERR_IO' });
  });
});

// This file forces the batched path (whatever STUNNERD_IO the suite runs with): it is the path's own
// end-to-end check, with coturn's uclient through a listener whose sockets all sit on one epoll loop.
describe('TURN-UDP through the batched path with turnutils_uclient', () => {
  let peer: ChildProcess;
  let peerPort: number;
  let listener: UdpTurnListener;
  let port: number;

  before(async () => {
    assert.deepEqual(resolveUdpIo('batch'), { io: 'batch' });
    peerPort = await freeUdpPortPair();
    peer = spawn('turnutils_peer', ['-L', '127.0.0.1', '-p', String(peerPort)], { stdio: 'ignore' });
    const filter = new PeerFilter({ clusters: [{ name: 'peer', type: 'STATIC', endpoints: ['127.0.0.1/32'] }] });
    listener = new UdpTurnListener({
      port: 0,
      relayAddress: '127.0.0.1',
      auth: { type: 'static', realm: 'stunner.l7mp.io', username: 'user', password: 'pass' },
      ipv6: false,
      admitPeer: (address, p) => filter.admit(address, p),
      engine: { legacyChannelNumbers: true },
    });
    port = (await listener.start())[0]!.port;
  });

  after(async () => {
    peer?.kill('SIGTERM');
    await listener?.close();
  });

  it('relays 10 channels × 400 packets at 1 ms spacing with no loss, in sendmmsg batches', async () => {
    const calls = ioLoop().stats.calls;
    const sent = ioLoop().stats.sent;
    const r = await runUclient([
      '-u',
      'user',
      '-w',
      'pass',
      '-p',
      String(port),
      '-c',
      '-m',
      '10',
      '-n',
      '400',
      '-l',
      '172',
      '-z',
      '1',
      '-e',
      '127.0.0.1',
      '-r',
      String(peerPort),
    ]);
    assert.equal(r.sent, 4000, r.output.slice(-1500));
    assert.equal(r.received, r.sent, r.output.slice(-1500));
    assert.equal(r.lost, 0);
    // Both directions went through the loop: every relayed datagram and the control answers.
    assert.ok(ioLoop().stats.sent - sent >= 2 * r.sent);
    assert.ok(ioLoop().stats.calls > calls);
  });
});
