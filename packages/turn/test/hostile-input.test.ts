import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  ChannelNumber,
  Data,
  decodeStunMessage,
  encodeChannelData,
  Lifetime,
  MessageClass,
  Method,
  StunMessageBuilder,
  XorPeerAddress,
} from '@stunner/stun';
import { assertSuccess, harness, TestClient } from './harness.ts';

/** Small seeded PRNG (mulberry32) so a failure reproduces. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const PEER = { family: 'IPv4' as const, address: '203.0.113.5', port: 7000 };

describe('hostile input', () => {
  it('never throws on 20 000 mutated requests, indications and ChannelData; every reply decodes', () => {
    const h = harness();
    const c = new TestClient(h);
    assertSuccess(c.allocate());
    c.request(Method.ChannelBind, (b) => b.add(ChannelNumber, 0x4000).add(XorPeerAddress, PEER));
    const seeds = [
      c.build(Method.Refresh, (b) => b.add(Lifetime, 600)),
      c.build(Method.CreatePermission, (b) => b.add(XorPeerAddress, PEER)),
      c.build(Method.ChannelBind, (b) => b.add(ChannelNumber, 0x4000).add(XorPeerAddress, PEER)),
      c.build(Method.Allocate, (b) => b.add(Lifetime, 600), { fingerprint: true }),
      new StunMessageBuilder(Method.Send, MessageClass.Indication)
        .add(XorPeerAddress, PEER)
        .add(Data, Buffer.from('payload'))
        .build(),
      encodeChannelData(0x4000, Buffer.from('channel data payload')),
    ];
    const rand = prng(0x5eed);
    const before = h.sink.toClient.length;
    for (let i = 0; i < 20_000; i++) {
      const seed = seeds[i % seeds.length]!;
      const m = Buffer.from(seed);
      const edits = 1 + Math.floor(rand() * 4);
      for (let e = 0; e < edits; e++) {
        const at = Math.floor(rand() * m.length);
        const kind = rand();
        if (kind < 0.6) m[at] = Math.floor(rand() * 256);
        else if (kind < 0.8) m.writeUInt16BE(Math.floor(rand() * 0x10000), Math.min(at, m.length - 2));
        else m[at] = m[at]! ^ (1 << Math.floor(rand() * 8));
      }
      const cut = rand() < 0.1 ? m.subarray(0, Math.floor(rand() * m.length)) : m;
      h.engine.handleClient(cut, c.endpoint, h.clock.now);
      h.engine.handleRelay(1, cut, PEER.address, PEER.port, h.clock.now);
    }
    const replies = h.sink.toClient.slice(before);
    assert.ok(replies.length > 0, 'some mutations still parse and get answers');
    for (const r of replies) decodeStunMessage(r.message);
    // The engine still serves (from another address: the flood used up this one's 401 budget).
    assertSuccess(new TestClient(h, { address: '198.51.100.99' }).allocate());
  });
});
