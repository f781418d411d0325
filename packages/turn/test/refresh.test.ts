import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  ChannelNumber,
  decodeStunMessage,
  encodeChannelData,
  Lifetime,
  MessageClass,
  Method,
  XorPeerAddress,
} from '@stunner/stun';
import type { AllocationEndReason } from '@stunner/turn';
import { assertError, assertSuccess, harness, TestClient } from './harness.ts';

const PEER = { family: 'IPv4' as const, address: '203.0.113.5', port: 7000 };

describe('Refresh (RFC 8656 §7.3) and allocation lifetime', () => {
  it('deletes the allocation on LIFETIME 0: relay closed, event, then 437', () => {
    const h = harness();
    const ended: AllocationEndReason[] = [];
    h.engine.on('allocation-deleted', (_a, why) => ended.push(why));
    const c = new TestClient(h);
    c.allocate();
    const res = c.request(Method.Refresh, (b) => b.add(Lifetime, 0));
    assertSuccess(res, c.key());
    assert.equal(res.get(Lifetime), 0);
    assert.deepEqual(h.sink.closed, [h.sink.opened[0]!.id]);
    assert.deepEqual(ended, ['refresh']);
    assert.equal(h.engine.allocationCount, 0);
    assertError(c.request(Method.Refresh), 437);
  });

  it('answers a retransmitted Refresh(0) with the same success, not 437', () => {
    const h = harness();
    const c = new TestClient(h);
    c.allocate();
    const req = c.build(Method.Refresh, (b) => b.add(Lifetime, 0));
    const [first] = c.feed(req);
    const [again] = c.feed(req);
    assert.ok(first!.equals(again!));
    assert.equal(decodeStunMessage(again!).messageClass, MessageClass.SuccessResponse);
  });

  it('caps a refreshed lifetime at the maximum and raises short ones to the default', () => {
    const h = harness({ defaultLifetime: 600, maxLifetime: 3600 });
    const c = new TestClient(h);
    c.allocate();
    assert.equal(c.request(Method.Refresh, (b) => b.add(Lifetime, 86400)).get(Lifetime), 3600);
    assert.equal(c.request(Method.Refresh, (b) => b.add(Lifetime, 1)).get(Lifetime), 600);
    assert.equal(c.request(Method.Refresh, (b) => b.add(Lifetime, 1200)).get(Lifetime), 1200);
    assert.equal(c.request(Method.Refresh).get(Lifetime), 600);
  });

  it('treats an allocation past its lifetime as gone before the timer has run', () => {
    const h = harness();
    const c = new TestClient(h);
    c.allocate();
    h.clock.now += 600_000;
    assertError(c.request(Method.Refresh), 437);
    assertSuccess(c.allocate(), c.key());
  });

  it('answers a Refresh without an allocation with 437', () => {
    const h = harness();
    assertError(new TestClient(h).request(Method.Refresh), 437);
  });

  it('expires an allocation at its lifetime and closes its relay', () => {
    const h = harness();
    const ended: AllocationEndReason[] = [];
    h.engine.on('allocation-deleted', (_a, why) => ended.push(why));
    const c = new TestClient(h);
    c.allocate();
    assert.equal(h.engine.nextTimeout() <= h.clock.now + 600_000, true);
    h.advance(599_000);
    assert.equal(h.engine.allocationCount, 1);
    h.advance(1_000);
    assert.equal(h.engine.allocationCount, 0);
    assert.deepEqual(ended, ['expired']);
    assert.deepEqual(h.sink.closed, [h.sink.opened[0]!.id]);
    assert.equal(h.engine.nextTimeout(), Number.POSITIVE_INFINITY);
  });

  it('keeps an allocation that is refreshed before it expires', () => {
    const h = harness();
    const c = new TestClient(h);
    c.allocate();
    h.advance(500_000);
    c.request(Method.Refresh);
    h.advance(500_000);
    assert.equal(h.engine.allocationCount, 1);
    h.advance(100_000);
    assert.equal(h.engine.allocationCount, 0);
  });

  it('drops data of an expired allocation in both directions before the timer has run', () => {
    const h = harness();
    const c = new TestClient(h);
    c.allocate();
    h.clock.now += 100_000;
    c.request(Method.ChannelBind, (b) => b.add(ChannelNumber, 0x4000).add(XorPeerAddress, PEER)); // to 700 s
    h.clock.now += 300_000;
    c.request(Method.CreatePermission, (b) => b.add(XorPeerAddress, PEER)); // to 700 s
    h.clock.now += 199_000;
    c.feed(encodeChannelData(0x4000, Buffer.from('alive')));
    h.clock.now += 1_000; // 600 s: the allocation is over, its channel and permission are not
    c.feed(encodeChannelData(0x4000, Buffer.from('late')));
    h.engine.handleRelay(h.sink.opened[0]!.id, Buffer.from('late'), PEER.address, PEER.port, h.clock.now);
    assert.deepEqual(
      h.sink.toPeer.map((p) => p.payload.toString()),
      ['alive'],
    );
    assert.equal(h.sink.channelData.length, 0);
  });

  it('runs the timer only when due and reports the next deadline', () => {
    const h = harness();
    assert.equal(h.engine.nextTimeout(), Number.POSITIVE_INFINITY);
    const c = new TestClient(h);
    c.allocate();
    c.request(Method.CreatePermission, (b) => b.add(XorPeerAddress, PEER));
    // The earliest deadline is the transaction cache entry (40 s), then the permission (300 s).
    assert.equal(h.engine.nextTimeout(), h.clock.now + 40_000);
    h.advance(40_000);
    assert.equal(h.engine.nextTimeout(), h.clock.now + 260_000);
  });

  it('ends the allocation when a stream client disconnects', () => {
    const h = harness();
    const ended: AllocationEndReason[] = [];
    h.engine.on('allocation-deleted', (_a, why) => ended.push(why));
    const c = new TestClient(h);
    c.allocate();
    h.engine.clientClosed(c.endpoint);
    assert.deepEqual(ended, ['client-closed']);
    assert.equal(h.engine.allocationCount, 0);
  });

  it('keeps working when an event listener throws', () => {
    const h = harness();
    h.engine.on('allocation-created', () => {
      throw new Error('metrics bug');
    });
    const c = new TestClient(h);
    assertSuccess(c.allocate());
    assert.equal(h.engine.stats.listenerErrors, 1);
    assertSuccess(c.request(Method.Refresh));
  });

  it('close() ends every allocation and reservation', () => {
    const h = harness();
    new TestClient(h).allocate();
    new TestClient(h).allocate();
    h.engine.close();
    assert.equal(h.engine.allocationCount, 0);
    assert.equal(h.sink.closed.length, 2);
  });
});
