import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ChannelNumber, encodeChannelData, Lifetime, Method, XorPeerAddress } from '@stunner/stun';
import { assertError, assertSuccess, harness, TestClient } from './harness.ts';

const PEER = { family: 'IPv4' as const, address: '203.0.113.5', port: 7000 };
const OTHER = { family: 'IPv4' as const, address: '203.0.113.6', port: 7001 };

function setup(options: Parameters<typeof harness>[0] = {}) {
  const h = harness(options);
  const c = new TestClient(h);
  assertSuccess(c.allocate((b) => b.add(Lifetime, 3600)));
  const bind = (channel: number | undefined, peer: typeof PEER | undefined) =>
    c.request(Method.ChannelBind, (b) => {
      if (channel !== undefined) b.add(ChannelNumber, channel);
      if (peer !== undefined) b.add(XorPeerAddress, peer);
    });
  const relayId = h.sink.opened[0]!.id;
  return { h, c, bind, relayId };
}

describe('ChannelBind (RFC 8656 §11) and ChannelData (§12)', () => {
  it('binds a channel and relays ChannelData both ways', () => {
    const { h, c, bind, relayId } = setup();
    const bound: number[] = [];
    h.engine.on('channel-bound', (_a, ch) => bound.push(ch));
    assertSuccess(bind(0x4000, PEER), c.key());
    assert.deepEqual(bound, [0x4000]);
    c.feed(encodeChannelData(0x4000, Buffer.from('to peer')));
    assert.deepEqual(h.sink.toPeer, [
      { relayId, address: PEER.address, port: PEER.port, payload: Buffer.from('to peer') },
    ]);
    h.engine.handleRelay(relayId, Buffer.from('to client'), PEER.address, PEER.port, h.clock.now);
    assert.equal(h.sink.channelData.length, 1);
    assert.equal(h.sink.channelData[0]!.channel, 0x4000);
    assert.equal(h.sink.channelData[0]!.client, c.endpoint);
    assert.equal(h.sink.channelData[0]!.payload.toString(), 'to client');
    const s = [...h.engine.allocations()][0]!.stats;
    assert.deepEqual([s.toPeerPackets, s.toPeerBytes, s.toClientPackets, s.toClientBytes], [1, 7, 1, 9]);
  });

  it('accepts ChannelData with up to 3 padding bytes and drops longer or truncated frames', () => {
    const { h, c, bind } = setup();
    bind(0x4000, PEER);
    c.feed(encodeChannelData(0x4000, Buffer.from('abcde'), true)); // 3 bytes of padding
    const truncated = encodeChannelData(0x4000, Buffer.from('abcde')).subarray(0, 8);
    const tooLong = Buffer.concat([encodeChannelData(0x4000, Buffer.from('abcde')), Buffer.alloc(4)]);
    c.feed(truncated);
    c.feed(tooLong);
    assert.deepEqual(
      h.sink.toPeer.map((p) => p.payload.toString()),
      ['abcde'],
    );
  });

  it('drops ChannelData on an unbound channel or from a client without an allocation', () => {
    const { h, c, bind } = setup();
    bind(0x4000, PEER);
    c.feed(encodeChannelData(0x4001, Buffer.from('x')));
    new TestClient(h).feed(encodeChannelData(0x4000, Buffer.from('x')));
    // 0x5000–0x7FFF are reserved (RFC 8656 §12).
    const reserved = encodeChannelData(0x4000, Buffer.from('x'));
    reserved[0] = 0x50;
    c.feed(reserved);
    assert.equal(h.sink.toPeer.length, 0);
    assert.equal(h.engine.stats.droppedPackets, 3);
  });

  for (const [what, channel] of [
    ['below 0x4000', 0x3fff],
    ['0x5000 (reserved since RFC 8656)', 0x5000],
    ['0x7FFF (valid in RFC 5766 only)', 0x7fff],
    ['0xFFFF', 0xffff],
  ] as const) {
    it(`answers a channel number ${what} with 400`, () => {
      const { bind } = setup();
      assertError(bind(channel, PEER), 400);
    });
  }

  it('accepts RFC 5766 channel numbers up to 0x7FFF with legacyChannelNumbers, and relays on them', () => {
    const { h, c, bind, relayId } = setup({ legacyChannelNumbers: true });
    assertSuccess(bind(0x7fff, PEER));
    assertError(bind(0x8000, OTHER), 400);
    c.feed(encodeChannelData(0x4000, Buffer.from('x')).fill(0x7f, 0, 1).fill(0xff, 1, 2));
    h.engine.handleRelay(relayId, Buffer.from('y'), PEER.address, PEER.port, h.clock.now);
    assert.deepEqual(
      h.sink.toPeer.map((p) => p.payload.toString()),
      ['x'],
    );
    assert.equal(h.sink.channelData[0]?.channel, 0x7fff);
  });

  it('answers 400 without CHANNEL-NUMBER or without XOR-PEER-ADDRESS', () => {
    const { bind } = setup();
    assertError(bind(undefined, PEER), 400);
    assertError(bind(0x4000, undefined), 400);
  });

  it('answers 400 for a bound channel number with another peer', () => {
    const { bind } = setup();
    assertSuccess(bind(0x4000, PEER));
    assertError(bind(0x4000, OTHER), 400);
    // Same IP, other port: another peer.
    assertError(bind(0x4000, { ...PEER, port: PEER.port + 1 }), 400);
  });

  it('answers 400 for a bound peer with another channel number', () => {
    const { bind } = setup();
    assertSuccess(bind(0x4000, PEER));
    assertError(bind(0x4001, PEER), 400);
  });

  it('refreshes an existing binding and its permission', () => {
    const { h, c, bind } = setup();
    bind(0x4000, PEER);
    h.advance(550_000);
    assertSuccess(bind(0x4000, PEER));
    h.advance(550_000); // 1100 s: alive only through the refresh at 550 s (permission refreshed too)
    c.feed(encodeChannelData(0x4000, Buffer.from('x')));
    assert.equal(h.sink.toPeer.length, 0, 'permission (300 s) lapsed although the channel (600 s) lives');
    bind(0x4000, PEER);
    c.feed(encodeChannelData(0x4000, Buffer.from('y')));
    assert.deepEqual(
      h.sink.toPeer.map((p) => p.payload.toString()),
      ['y'],
    );
  });

  it('installs the permission for the peer IP: other ports of it get Data indications', () => {
    const { h, c, bind, relayId } = setup();
    bind(0x4000, PEER);
    const before = h.sink.toClient.length;
    h.engine.handleRelay(relayId, Buffer.from('x'), PEER.address, 9, h.clock.now);
    assert.equal(h.sink.toClient.length, before + 1);
    assert.equal(h.sink.toClient.at(-1)!.client, c.endpoint);
    assert.equal(h.sink.channelData.length, 0, 'port 9 has no channel: a Data indication');
  });

  it('expires channels after 600 s; the number and peer stay blocked for 300 s more', () => {
    const { h, c, bind, relayId } = setup();
    const expired: number[] = [];
    h.engine.on('channel-expired', (_a, ch) => expired.push(ch));
    bind(0x4000, PEER);
    h.advance(300_000);
    c.request(Method.CreatePermission, (b) => b.add(XorPeerAddress, PEER)); // permission alive to 600 s
    c.request(Method.CreatePermission, (b) => b.add(XorPeerAddress, OTHER));
    h.advance(300_000); // t = 600 s
    assert.deepEqual(expired, [0x4000]);
    c.request(Method.CreatePermission, (b) => b.add(XorPeerAddress, PEER));
    c.feed(encodeChannelData(0x4000, Buffer.from('x')));
    assert.equal(h.sink.toPeer.length, 0, 'ChannelData on an expired channel is dropped');
    h.engine.handleRelay(relayId, Buffer.from('y'), PEER.address, PEER.port, h.clock.now);
    assert.equal(h.sink.channelData.length, 0, 'peer data goes as a Data indication');
    assertError(bind(0x4000, OTHER), 400);
    assertError(bind(0x4001, PEER), 400);
    h.advance(300_000); // t = 900 s: reusable
    assertSuccess(bind(0x4000, OTHER));
    assertSuccess(bind(0x4001, PEER));
  });

  it('revives an expired binding when the same channel and peer are bound again', () => {
    const { h, c, bind } = setup();
    bind(0x4000, PEER);
    h.advance(600_000);
    assertSuccess(bind(0x4000, PEER));
    c.feed(encodeChannelData(0x4000, Buffer.from('x')));
    assert.equal(h.sink.toPeer.length, 1);
  });

  it('answers 403 for a peer the admission hook denies, and 508 beyond maxChannels', () => {
    const { bind } = setup({ admitPeer: (ip) => ip !== OTHER.address, maxChannels: 1 });
    assertError(bind(0x4000, OTHER), 403);
    assertSuccess(bind(0x4000, PEER));
    assertError(bind(0x4001, { ...PEER, port: 1 }), 508);
  });
});
