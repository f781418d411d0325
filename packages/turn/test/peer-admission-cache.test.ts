import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ChannelNumber, encodeChannelData, Lifetime, Method, XorPeerAddress } from '@stunner/stun';
import type { PeerAdmissionCache } from '../src/index.ts';
import { assertSuccess, harness, TestClient } from './harness.ts';

const PEER = { family: 'IPv4' as const, address: '203.0.113.5', port: 7000 };

/** An engine whose admission is kept per channel, with a policy the test flips and tags it counts. */
function setup() {
  const policy = { open: true, tag: 3, asked: 0 };
  const reused: number[] = [];
  let last = -1;
  const cache: PeerAdmissionCache = { lastTag: () => last, reuse: (tag) => reused.push(tag) };
  const h = harness({
    admitPeer: () => {
      policy.asked++;
      last = policy.open ? policy.tag : -1;
      return policy.open;
    },
    peerAdmissionCache: cache,
  });
  const c = new TestClient(h);
  assertSuccess(c.allocate((b) => b.add(Lifetime, 3600)));
  assertSuccess(
    c.request(Method.ChannelBind, (b) => {
      b.add(ChannelNumber, 0x4000);
      b.add(XorPeerAddress, PEER);
    }),
  );
  const relayId = h.sink.opened[0]!.id;
  const toPeer = () => c.feed(encodeChannelData(0x4000, Buffer.from('up')));
  const toClient = () => h.engine.handleRelay(relayId, Buffer.from('down'), PEER.address, PEER.port, h.clock.now);
  return { h, policy, reused, toPeer, toClient };
}

describe('peer admission kept per channel (peerAdmissionCache)', () => {
  it('asks admitPeer once per channel, not per datagram, and hands the kept tag back each time', () => {
    const { h, policy, reused, toPeer, toClient } = setup();
    const askedAtBind = policy.asked;
    for (let i = 0; i < 5; i++) toPeer();
    for (let i = 0; i < 5; i++) assert.equal(toClient(), true);
    assert.equal(h.sink.toPeer.length, 5);
    assert.equal(h.sink.channelData.length, 5);
    assert.equal(policy.asked, askedAtBind + 1);
    assert.deepEqual(reused, [3, 3, 3, 3, 3, 3, 3, 3, 3]);
  });

  it('closes a path already open once the policy changes and the engine is told', () => {
    const { h, policy, toPeer, toClient } = setup();
    toPeer();
    assert.equal(toClient(), true);
    policy.open = false;
    h.engine.peerPolicyChanged();
    toPeer();
    assert.equal(toClient(), false);
    assert.equal(h.sink.toPeer.length, 1);
    assert.equal(h.sink.channelData.length, 1);
    // Reopened: asked again, relayed again, under the new tag.
    policy.open = true;
    policy.tag = 5;
    h.engine.peerPolicyChanged();
    toPeer();
    assert.equal(toClient(), true);
    assert.equal(h.sink.toPeer.length, 2);
    assert.equal(h.sink.channelData.length, 2);
  });

  it('still drops the channel’s datagrams once its permission expires (RFC 8656 §9)', () => {
    const { h, toPeer, toClient } = setup();
    toPeer();
    // Past the permission (300 s) but not the channel (600 s) lifetime.
    h.clock.now += 301_000;
    h.engine.handleTimeout(h.clock.now);
    toPeer();
    assert.equal(toClient(), false);
    assert.equal(h.sink.toPeer.length, 1);
  });
});
